"""Benchmark the credit workloads on a generated database; print and record figures.

``--mode`` says what is installed in the database:

- ``ours``: credit_management — exposure of every customer, scores of every
  customer, full re-rating (with peak RSS), confirm-time check, aging report;
- ``oca``: OCA account_financial_risk + sale_financial_risk — recompute of their
  risk fields for every customer, their confirm-time check;
- ``bare``: neither — confirmation as Odoo does it alone (the baseline of the
  overhead figures; posting and payment are measured by ``bench/overhead.py``).

In every mode the physical floor (one grouped pass over the open receivable lines)
is timed with psql on the same database. Each workload runs several times inside
a savepoint rolled back afterwards, so runs are repeatable; the median and min–max
are recorded.

Usage: .venv/bin/python bench/run.py --db credit_bench_s --mode ours [--label S]
"""

import argparse
import json
import re
import resource
import statistics
import subprocess
import time
from unittest.mock import patch

from report import append_record  # bench/: this script's folder, on sys.path

FLOOR_SQL = """
SELECT aml.partner_id, SUM(aml.amount_residual),
       SUM(aml.amount_residual) FILTER (WHERE aml.date_maturity < current_date)
  FROM account_move_line aml
  JOIN account_account a ON a.id = aml.account_id
 WHERE a.account_type = 'asset_receivable'
   AND aml.parent_state = 'posted'
   AND aml.reconciled IS NOT TRUE
 GROUP BY aml.partner_id
"""


def stats(samples):
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


def timed(function, repeat, setup=None, warmup=True):
    """Median and spread of ``repeat`` runs, after one warm-up run (first-call
    costs: registry caches, query plans, Python imports)."""
    if warmup:
        if setup:
            setup()
        function()
    samples = []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return stats(samples)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def psql_floor(db, repeat):
    """Time the floor query with psql's own \\timing (server round trip)."""
    script = "\\timing on\n" + "\n".join(
        f"SELECT count(*) FROM ({FLOOR_SQL}) floor;" for _ in range(repeat + 1)
    )
    output = subprocess.run(
        ["psql", "-X", "-q", "-d", db],
        input=script,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    times = [float(t) / 1000 for t in re.findall(r"Time: ([0-9.]+) ms", output)]
    return stats(times[1:])  # the first run warms the cache


def in_savepoint(env, function):
    """Run ``function`` and undo everything it wrote."""

    def run():
        with env.cr.savepoint(flush=False) as savepoint:
            function()
            env.flush_all()
            savepoint.rollback()
        env.invalidate_all()

    return run


def confirm_order(env, partner_id):
    from odoo import Command  # noqa: PLC0415

    product = env["product.product"].search([("name", "=", "Bench Product")], limit=1)
    order = env["sale.order"].create(
        {
            "partner_id": partner_id,
            "order_line": [
                Command.create(
                    {"product_id": product.id, "price_unit": 10.0, "tax_ids": []}
                )
            ],
        }
    )
    env.flush_all()
    return order


def variant_dbs(size):
    """{mode: database} of the three copies of a size's generated ledger."""
    lower = size.lower()
    return {
        "bare": f"credit_bench_{lower}_bare",
        "ours": f"credit_bench_{lower}",
        "oca": f"credit_bench_{lower}_oca",
    }


def small_and_huge(env, partners):
    """The customers of ``partners`` with the fewest and the most move lines
    (ties by id): two rows (partner id, move lines, open payment-term lines)."""
    env.cr.execute(
        """
        SELECT aml.partner_id, count(*),
               count(*) FILTER (WHERE NOT aml.reconciled
                                AND aml.display_type = 'payment_term')
          FROM account_move_line aml
         WHERE aml.partner_id = ANY(%s)
      GROUP BY 1 ORDER BY 2, 1
        """,
        [partners.ids],
    )
    counts = env.cr.fetchall()
    return counts[0], counts[-1]


def let_checks_pass(env, mode, partner_ids):
    """Every check must compute and pass, whatever the partner's history: a
    limit far above any exposure, no overdue rule (OCA: no confirmation over
    the risk)."""
    env["res.partner"].browse(partner_ids).write({"credit_limit": 1e12})
    if mode == "ours":
        env.company.write(
            {"credit_control_enabled": True, "credit_block_on_overdue": False}
        )
    elif mode == "oca":
        env.company.allow_overrisk_sale_confirmation = False
    env.flush_all()


def count_statements(function):
    """SQL statements of one call of ``function`` (counted, not timed)."""
    from odoo import sql_db  # noqa: PLC0415

    execute = sql_db.Cursor.execute
    count = [0]

    def counting(self, *args, **kwargs):
        count[0] += 1
        return execute(self, *args, **kwargs)

    sql_db.Cursor.execute = counting
    try:
        function()
    finally:
        sql_db.Cursor.execute = execute
    return count[0]


def main():  # noqa: C901 - one flat list of workloads reads best
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--mode", choices=("ours", "oca", "bare"), default="ours")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rerate-repeat", type=int, default=2)
    parser.add_argument("--label", default="")
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    parser.add_argument(
        "--rerate-only",
        action="store_true",
        help="ours: measure the re-rating and its peak RSS only, in this process",
    )
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    figures = {"db": args.db, "label": args.label, "mode": args.mode}
    figures["bare_sql_aggregate"] = psql_floor(args.db, args.repeat)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        Partner = env["res.partner"]
        partners = Partner.search([("name", "=like", "Bench Customer %")])
        figures["customers"] = len(partners)
        figures["generate_seconds"] = env["ir.config_parameter"].get_param(
            "bench.generate_seconds"
        )
        cr.execute("SELECT count(*) FROM account_move_line")
        figures["move_lines"] = cr.fetchone()[0]
        small, large = small_and_huge(env, partners)
        figures["small_partner_lines"], figures["small_partner_open"] = small[1:]
        figures["large_partner_lines"], figures["large_partner_open"] = large[1:]
        let_checks_pass(env, args.mode, [small[0], large[0]])

        if args.mode == "ours":
            scoring = env["credit.scoring"]
            rerate = env["credit.rerate"]

            # First, so that the peak RSS is the re-rating's own (the workloads
            # below load every customer at once and raise the high-water mark).
            def rerate_all():
                with patch.object(
                    type(env["ir.cron"]), "_commit_progress", lambda *a, **k: 3600.0
                ):
                    rerate._cron_rerate(env.company.ids)

            figures["rss_before_rerate_mb"] = peak_rss_mb()
            figures["rerate_all"] = timed(
                in_savepoint(env, rerate_all), args.rerate_repeat, warmup=False
            )
            figures["rerate_peak_rss_mb"] = peak_rss_mb()
            if args.rerate_only:
                figures["mode"] = "rss"
                cr.rollback()
                return emit(figures, args)

            def exposure_all():
                env.invalidate_all()
                env["credit.exposure"]._credit_figures(Partner.browse(partners.ids))

            figures["exposure_all"] = timed(exposure_all, args.repeat)

            # The read side of a re-rating: every factor value and score, batch by
            # batch as the cron does, without writing anything.
            def score_all():
                env.invalidate_all()
                factors = scoring._credit_scorecard(
                    env.company.credit_score_factor_ids
                )  # the job: per batch
                for start in range(0, len(partners), 500):
                    batch = Partner.browse(partners.ids[start : start + 500])
                    raws = scoring._credit_factor_raw_values(batch)
                    for partner_id in batch.ids:
                        scoring._credit_score(raws[partner_id], factors)

            figures["score_all"] = timed(score_all, args.repeat)

            report = env["credit.aging.report"]
            buckets = [
                f"{name}:sum"
                for name in ("not_due", "bucket_1", "bucket_2", "bucket_3")
                + ("bucket_4", "bucket_5", "residual")
                if name in report._fields
            ]
            figures["aging_by_customer"] = timed(
                lambda: report._read_group([], ["partner_id"], buckets), args.repeat
            )
            figures["aging_total"] = timed(
                lambda: report._read_group([], [], buckets), args.repeat
            )

        if args.mode == "oca":

            def risk_all():
                env.invalidate_all()
                records = Partner.browse(partners.ids)
                records.mapped("risk_total")
                records.mapped("risk_exception")
                records.mapped("risk_sale_order")

            figures["oca_risk_all"] = timed(risk_all, args.repeat)

        for name, partner_id in (("small", small[0]), ("large", large[0])):
            order = confirm_order(env, partner_id)
            # Warm: the order, its customer and company already loaded, as they
            # are when action_confirm reaches the check; the credit figures are
            # computed again every time. Cold: the whole ORM cache emptied.
            if args.mode == "ours":

                def check(order=order):
                    order._credit_check()

            elif args.mode == "oca":
                risk_fields = [n for n in Partner._fields if n.startswith("risk_")]

                def check(order=order, risk_fields=risk_fields):
                    Partner.invalidate_model(risk_fields)
                    partner = order.partner_invoice_id.commercial_partner_id
                    message = order.evaluate_risk_message(partner)
                    assert not message, message

            if args.mode in ("ours", "oca"):
                figures[f"confirm_check_{name}"] = timed(check, args.repeat * 4)
                figures[f"confirm_check_{name}_cold"] = timed(
                    check, args.repeat * 4, setup=env.invalidate_all
                )

            def confirm(order=order):
                result = order.action_confirm()
                assert order.state == "sale", result

            figures[f"action_confirm_{name}"] = timed(
                in_savepoint(env, confirm), args.repeat * 2
            )

        cr.rollback()

    return emit(figures, args)


def emit(figures, args):
    floor = figures["bare_sql_aggregate"]["median"]
    for key in ("rerate_all", "exposure_all", "score_all", "oca_risk_all"):
        if key in figures:
            figures[f"{key}_vs_floor"] = figures[key]["median"] / floor
    print(json.dumps(figures, indent=2, default=str))
    if args.json:
        append_record(args.json, figures)


if __name__ == "__main__":
    main()
