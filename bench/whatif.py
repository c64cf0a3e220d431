"""What-if replay of a credit policy over 12 months of orders, on a generated
database (read only: one transaction, rolled back).

Times the replay itself (``credit.whatif.wizard._credit_replay_values``: the
orders of the period, their exposure as of each order's date in one query
``credit.exposure._credit_exposure_as_of``, the current and candidate policies
evaluated); with ``--with-lines``, the whole button (``action_replay``: the
transient result rows written too), which needs the addon updated in that
database. The database must have the addon's current schema: on an older
generated one, replay a copy (``createdb -T credit_bench_m wif_bench_m``, then
``-u credit_management`` on the copy).

Usage: .venv/bin/python bench/whatif.py --db credit_bench_m [--months 12]
       [--factor 0.8] [--repeat 3] [--with-lines]
"""

import argparse
import time

from dateutil.relativedelta import relativedelta


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", default="credit_bench_m")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--factor", type=float, default=0.8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--with-lines", action="store_true")
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api, fields  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "--log-level=warn"])
    registry = Registry(args.db)
    today = fields.Date.today()
    for run in range(args.repeat + 1):  # the first run warms up
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            start = time.perf_counter()
            values = {
                "date_from": today - relativedelta(months=args.months, days=-1),
                "date_to": today,
                "limit_mode": "factor",
                "limit_factor": args.factor,
            }
            if args.with_lines:
                wizard = env["credit.whatif.wizard"].create(values)
                wizard.action_replay()
                env.flush_all()
                lines = wizard.line_ids.read(["count_current", "count_candidate"])
            else:
                wizard = env["credit.whatif.wizard"].new(values)
                lines = wizard._credit_replay_values()
            elapsed = time.perf_counter() - start
            blocked = (
                sum(line["count_current"] for line in lines),
                sum(line["count_candidate"] for line in lines),
            )
            cr.rollback()
        print(
            f"{'warm-up' if not run else f'run {run}'}: {args.db}, {args.months} "
            f"months: {len(lines)} orders replayed in {elapsed:.2f} s; blocked "
            f"now {blocked[0]}, at {args.factor} x the limits {blocked[1]}"
        )


if __name__ == "__main__":
    main()
