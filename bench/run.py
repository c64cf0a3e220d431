"""Benchmark the credit workloads on a generated database; print and record figures.

Each workload runs several times inside a transaction that is rolled back, so runs
are repeatable; the median and min–max are reported, and every ratio is computed
from figures measured in the same run.

Usage: .venv/bin/python bench/run.py --db credit_bench_s [--repeat 5] [--label S]
"""

import argparse
import json
import resource
import statistics
import time
from unittest.mock import patch


def timed(function, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": repeat,
    }


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--label", default="")
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import SQL, config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    figures = {"db": args.db, "label": args.label}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        scoring = env["credit.scoring"]
        Partner = env["res.partner"]
        partners = Partner.search(scoring._credit_candidates_domain())
        figures["customers"] = len(partners)
        cr.execute("SELECT count(*) FROM account_move_line")
        figures["move_lines"] = cr.fetchone()[0]

        # 1. The physical floor: one grouped pass over the open receivables.
        floor_sql = SQL(
            """
            SELECT aml.partner_id, SUM(aml.amount_residual),
                   SUM(aml.amount_residual) FILTER (WHERE aml.date_maturity
                                                     < current_date)
              FROM account_move_line aml
              JOIN account_account a ON a.id = aml.account_id
             WHERE a.account_type = 'asset_receivable'
               AND aml.parent_state = 'posted'
               AND aml.reconciled IS NOT TRUE
          GROUP BY aml.partner_id
            """
        )
        figures["bare_sql_aggregate"] = timed(
            lambda: env.execute_query(floor_sql), args.repeat
        )

        # 2. Exposure figures of every customer (the read side of the re-rating).
        def exposure_all():
            env.invalidate_all()
            Partner.browse(partners.ids)._credit_figures()

        figures["exposure_all"] = timed(exposure_all, args.repeat)

        # 3. Full re-rating of every customer, batch by batch (no commit).
        def rerate_all():
            with cr.savepoint(flush=False) as savepoint:
                with patch.object(
                    type(env["ir.cron"]), "_commit_progress", lambda *a, **k: 3600.0
                ):
                    scoring._cron_rerate(env.company.ids)
                env.flush_all()
                savepoint.rollback()
            env.invalidate_all()

        rss_before = peak_rss_mb()
        figures["rerate_all"] = timed(rerate_all, max(1, args.repeat // 2))
        figures["rerate_peak_rss_mb"] = peak_rss_mb()
        figures["rss_before_rerate_mb"] = rss_before

        # 4. Confirm-time credit check for one order: small vs large partner.
        cr.execute(
            """
            SELECT aml.partner_id, count(*) FROM account_move_line aml
             WHERE aml.partner_id IS NOT NULL GROUP BY 1 ORDER BY 2
            """
        )
        counts = cr.fetchall()
        small, large = counts[0][0], counts[-1][0]
        product = env["product.product"].search([], limit=1)
        for name, partner_id in (("small", small), ("large", large)):
            order = env["sale.order"].create(
                {
                    "partner_id": partner_id,
                    "order_line": [
                        (0, 0, {"product_id": product.id, "price_unit": 10.0})
                    ],
                }
            )
            env.flush_all()

            def check(order=order):
                env.invalidate_all()
                order._credit_check()

            figures[f"confirm_check_{name}"] = timed(check, args.repeat * 4)
            figures[f"confirm_check_{name}_lines"] = dict(counts)[partner_id]
        cr.rollback()

    floor = figures["bare_sql_aggregate"]["median"]
    figures["rerate_vs_floor"] = figures["rerate_all"]["median"] / floor
    figures["exposure_vs_floor"] = figures["exposure_all"]["median"] / floor
    print(json.dumps(figures, indent=2, default=str))
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps(figures, default=str) + "\n")


if __name__ == "__main__":
    main()
