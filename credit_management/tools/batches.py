def chunks(records, size):
    """``records`` in chunks of ``size``, the pending writes flushed and the
    cache emptied before each: a job's memory stays that of one chunk,
    whatever the number of records (the daily security expiry, the company's
    row of the monthly KPI snapshot)."""
    env = records.env
    for start in range(0, len(records), size):
        env.flush_all()
        env.invalidate_all()
        yield records[start : start + size]
