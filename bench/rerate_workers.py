"""The periodic re-rating spread over several cron workers (scale-out).

On a copy of ``--db`` (a bench database with credit_management installed, see
run_suite.sh), a real prefork Odoo server (``--workers 2``) runs the periodic
re-rating with ``--max-cron-threads N`` for each N of ``--workers-list``: N cron
worker processes. The periodic job starts its run and calls its helper (the
scheduled action "periodic re-rating of customers, second worker"), which joins
the run; each worker claims its batches with ``FOR NO KEY UPDATE SKIP LOCKED``.
With one cron worker the helper only runs after the periodic job has finished.

Each measurement is a new pass over every customer, from the creation of its run
(``credit_job_run.create_date``) to the moment it is seen done (polled every 50
ms), ``--repeat`` times per N, N alternating. Every
pass is checked: the run is done without failure, each customer has exactly one
review of it, and its count of customers rated equals its reviews. The customers
each worker rated come from Odoo's cron progress records.

Usage (run_suite.sh runs it after the other figures of a size):
    python bench/rerate_workers.py --db credit_bench_m --label M \
        [--workers-list 1,2] [--repeat 2] [--json out.jsonl] [--results RESULTS.md]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from odoo_process import Pg, Server, bad_log_lines
from report import append_record, records_of, write_section

BEGIN = "<!-- rerate-workers:begin -->"
END = "<!-- rerate-workers:end -->"
CRONS = ("ir_cron_credit_rerate", "ir_cron_credit_rerate_helper")


def xmlids(pg, db):
    rows = pg.rows(
        db,
        "SELECT name, res_id FROM ir_model_data WHERE module = 'credit_management' "
        "AND name = ANY(%s)",
        [list(CRONS)],
    )
    return dict(rows)


def prepare(pg, db):
    """Make the periodic re-rating due now and every other job a month away."""
    crons = xmlids(pg, db)
    with pg.connect(db, autocommit=False) as cnx, cnx.cursor() as cr:
        cr.execute("UPDATE res_company SET credit_control_enabled = true")
        cr.execute("DELETE FROM credit_job_run WHERE state = 'running'")
        cr.execute("DELETE FROM ir_cron_trigger")
        cr.execute("DELETE FROM ir_cron_progress")
        cr.execute(
            "UPDATE ir_cron "
            "SET nextcall = now() at time zone 'UTC' + interval '30 days'"
        )
        cr.execute(
            "UPDATE ir_cron SET active = true, failure_count = 0 WHERE id = ANY(%s)",
            [list(crons.values())],
        )
        # A new period: the periodic job starts a pass when none of its runs
        # began after its last complete call (the previous pass's server may
        # have been stopped before that call ended).
        cr.execute(
            "UPDATE ir_cron "
            "SET nextcall = now() at time zone 'UTC' - interval '1 minute', "
            "lastcall = now() at time zone 'UTC' "
            "WHERE id = %s",
            [crons["ir_cron_credit_rerate"]],
        )
        cnx.commit()
    return crons


def one_pass(pg, args, db, workers, crons):
    """Run one pass with ``workers`` cron workers. :return: figures"""
    prepare(pg, db)
    before = pg.rows(db, "SELECT coalesce(max(id), 0) FROM credit_job_run")[0][0]
    logfile = os.path.join(tempfile.gettempdir(), f"credit_workers_{db}.log")
    if os.path.exists(logfile):
        os.remove(logfile)
    server = Server(args.config, db, logfile, workers=2, cron_threads=workers)
    try:
        server.wait_ready()
        start = time.monotonic()
        last_notify = 0.0
        while True:
            if time.monotonic() - start > args.timeout:
                raise SystemExit(f"{db}: the re-rating did not end in {args.timeout} s")
            if time.monotonic() - last_notify > 1.0:
                # Wake the cron workers, as a trigger does (they poll every minute).
                pg.rows("postgres", "SELECT pg_notify('cron_trigger', %s)", [db])
                last_notify = time.monotonic()
            # Seconds since the run was created (its create_date is the start of
            # the transaction that created it), read when it is seen done.
            runs = pg.rows(
                db,
                "SELECT id, state, extract(epoch FROM clock_timestamp() at time zone "
                "'UTC' - create_date) FROM credit_job_run WHERE job = 'rerate' "
                "AND id > %s",
                [before],
            )
            if runs and all(state == "done" for _id, state, _s in runs):
                seconds = max(float(s) for _id, _state, s in runs)
                break
            time.sleep(0.05)
        wall = time.monotonic() - start
    finally:
        server.stop()
    bad = bad_log_lines(server.log())
    if bad:
        raise SystemExit(f"{db}: the server logged errors:\n" + "\n".join(bad[:20]))
    (run_id, done, failed, todo) = pg.rows(
        db,
        """
        SELECT id, done_count, failed_count, todo_count
          FROM credit_job_run WHERE job = 'rerate' AND id > %s
         ORDER BY id DESC LIMIT 1
        """,
        [before],
    )[0]
    reviews, partners = pg.rows(
        db,
        "SELECT count(*), count(DISTINCT partner_id) FROM credit_review "
        "WHERE run_id = %s",
        [run_id],
    )[0]
    if failed or reviews != partners or reviews != done or done != todo:
        raise SystemExit(
            f"{db}: run {run_id}: {done} done of {todo}, {failed} failed, "
            f"{reviews} reviews of {partners} customers"
        )
    by_cron = dict(
        pg.rows(
            db,
            "SELECT cron_id, coalesce(sum(done), 0) FROM ir_cron_progress "
            "WHERE cron_id = ANY(%s) GROUP BY cron_id",
            [list(crons.values())],
        )
    )
    return {
        "seconds": float(seconds),
        "wall": wall,
        "customers": done,
        "first": int(by_cron.get(crons["ir_cron_credit_rerate"], 0)),
        "helper": int(by_cron.get(crons["ir_cron_credit_rerate_helper"], 0)),
    }


def span(figures):
    return (
        f"{figures['median']:.1f} s ({figures['min']:.1f}–{figures['max']:.1f}, "
        f"n={figures['n']})"
    )


def summary(values):
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True, help="bench database (left untouched)")
    parser.add_argument("--label", default="")
    parser.add_argument("--workers-list", default="1,2")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    parser.add_argument("--results", help="rewrite the scale-out section here")
    args = parser.parse_args()

    pg = Pg(args.config)
    copy = f"{args.db}_workers"
    pg.copy(args.db, copy)
    crons = xmlids(pg, copy)
    counts = [int(n) for n in args.workers_list.split(",")]
    passes = {n: [] for n in counts}
    try:
        for _ in range(args.repeat):
            for n in counts:
                figures = one_pass(pg, args, copy, n, crons)
                passes[n].append(figures)
                sys.stdout.write(
                    f"{args.label} {n} cron worker(s): {figures['customers']} "
                    f"customers in {figures['seconds']:.1f} s (first worker "
                    f"{figures['first']}, helper {figures['helper']})\n"
                )
                sys.stdout.flush()
    finally:
        if not os.environ.get("CREDIT_BENCH_KEEP"):
            pg.drop(copy)
    record = {
        "mode": "rerate_workers",
        "label": args.label,
        "measured": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "customers": passes[counts[0]][0]["customers"],
        "workers": {
            str(n): {
                "seconds": summary([p["seconds"] for p in passes[n]]),
                "first": [p["first"] for p in passes[n]],
                "helper": [p["helper"] for p in passes[n]],
            }
            for n in counts
        },
    }
    if args.json:
        append_record(args.json, record)
    if args.results and args.json:
        write_results(args.json, args.results)


def write_results(jsonl, results):
    runs = records_of(jsonl, "rerate_workers")
    out = [
        BEGIN,
        "## Re-rating on several cron workers",
        "",
        (
            "`bench/rerate_workers.py` on a copy of the `ours` database: a real "
            "prefork server (`--workers 2`) runs the periodic re-rating with "
            "`--max-cron-threads` 1 or 2 (cron worker processes); the periodic job "
            "and its helper claim disjoint batches (`FOR NO KEY UPDATE SKIP LOCKED`, "
            "READ COMMITTED). Time: from the creation of the run to the moment it is "
            "seen done (polled every 50 ms); "
            "each pass checked (done, one review per customer, no failure). "
            "Target: ≥ 1.6× with 2 workers on this 2-core machine. With one "
            "cron worker, the periodic job and its helper take turns in the same "
            "process (each call is bounded by Odoo's cron time limit), never at "
            "once. The server commits each batch and tracks changes in the "
            "chatter, as in production; `bench/run.py` (the size tables above, "
            "another day) rates in one transaction with tracking off: the two are "
            "not comparable. Measured "
            + ", ".join(
                f"{label} {runs[label].get('measured', '?')}"
                for label in ("S", "M", "L")
                if label in runs
            )
            + "."
        ),
        "",
        (
            "| size | customers | 1 cron worker | 2 cron workers | speed-up | "
            "customers rated by each worker (2 workers) |"
        ),
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label in ("S", "M", "L"):
        record = runs.get(label)
        if not record or not {"1", "2"} <= set(record["workers"]):
            continue
        one = record["workers"]["1"]["seconds"]
        two = record["workers"]["2"]["seconds"]
        split = ", ".join(
            f"{first:,} + {helper:,}"
            for first, helper in zip(
                record["workers"]["2"]["first"],
                record["workers"]["2"]["helper"],
                strict=True,
            )
        )
        out.append(
            f"| {label} | {record['customers']:,} "
            f"| {span(one)} | {span(two)} "
            f"| {one['median'] / two['median']:.2f}× | {split} |"
        )
    out += ["", END]
    write_section(results, BEGIN, END, "\n".join(out))


if __name__ == "__main__":
    main()
