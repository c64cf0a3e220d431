"""Aged receivables by customer and period: ours against OCA's Aged Partner Balance.

Ours: the aging wizard of credit_management (``credit.aging.wizard``, the totals
per customer and period its PDF and XLSX print, ``_credit_aging_data``), on
``credit_bench_<size>``. OCA: ``account_financial_report``'s Aged Partner Balance
(its wizard on the receivable accounts, then the report's ``_get_report_values``,
what its PDF, HTML and XLSX render), on ``credit_bench_<size>_oca``: the same
generated data. Neither is rendered. Two dates: today and 180 days back. Ours is
also timed from the report model alone (``credit.aging.report``'s read_group by
customer, what the pivot view runs), whose figures must be the wizard's.

Each run is a fresh transaction (new cursor, empty ORM cache), ours and OCA in
alternation, after one warm-up run each. Then the two results are compared customer
by customer and period by period (open total, not due, 1–30, 31–60, 61–90, 91–120,
older); every mismatch is reported, and put down to one of the two known semantic
differences when it is one:

- ``after_date``: at today, OCA reads the current residuals only; an invoice
  reconciled with a payment dated after the as-of date (a post-dated cheque) is
  paid for OCA, open for ours (it is, on that date). Before today both add back
  what was matched after the date.
- ``no_due_date``: a line without due date (an opening balance) is "current" for
  OCA whatever its age; ours ages it from its accounting date.

Usage: .venv/bin/python bench/aged_balance.py --size S [--repeat 3] [--json out]
"""

import argparse
import json
import time
from datetime import timedelta
from unittest.mock import patch

from run import stats  # bench/run.py: python puts this script's folder on sys.path

BUCKETS = ("not_due", "bucket_1", "bucket_2", "bucket_3", "bucket_4", "bucket_5")

PERIODS = ("total", "not due", "1-30", "31-60", "61-90", "91-120", "older")
OCA_KEYS = ("residual", "current", "30_days", "60_days", "90_days", "120_days")
OCA_KEYS += ("older",)
TOLERANCE = 0.005


def ours_aging(env, date):
    """{partner id: [total, not due, periods 1–5]} from our aging wizard."""
    wizard = env["credit.aging.wizard"].create({"date": date, "show_zero": True})
    data = wizard._credit_aging_data()
    return {
        row["partner"].id or 0: [row["total"], *row["buckets"]] for row in data["rows"]
    }


def ours_pivot(env, date):
    """The same from the report model alone (the pivot view's read_group)."""
    report = env["credit.aging.report"].with_context(credit_aging_date=date)
    groups = report._read_group(
        [], ["partner_id"], ["residual:sum", *(f"{name}:sum" for name in BUCKETS)]
    )
    return {partner.id or 0: list(amounts) for partner, *amounts in groups}


def oca_aging(env, date):
    """{partner id: [total, current, 30, 60, 90, 120 days, older]} from OCA's
    Aged Partner Balance, summed over the receivable accounts."""
    accounts = env["account.account"].search(
        [
            ("account_type", "=", "asset_receivable"),
            ("company_ids", "in", env.company.ids),
        ]
    )
    wizard = env["aged.partner.balance.report.wizard"].create(
        {
            "company_id": env.company.id,
            "date_at": date,
            "receivable_accounts_only": True,
            "account_ids": [(6, 0, accounts.ids)],
        }
    )
    # As report_action hands it over: JSON (dates as strings).
    data = json.loads(json.dumps(wizard._prepare_report_data(), default=str))
    report = env["report.account_financial_report.aged_partner_balance"]
    original = type(report)._get_move_lines_data
    captured = {}

    def capture(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        captured["data"] = result[0]
        return result

    with patch.object(type(report), "_get_move_lines_data", capture):
        report._get_report_values(wizard.ids, data)
    result = {}
    for account_data in captured["data"].values():
        for partner_id, values in account_data.items():
            if isinstance(partner_id, int):
                totals = result.setdefault(partner_id, [0.0] * len(OCA_KEYS))
                for i, key in enumerate(OCA_KEYS):
                    totals[i] += values[key]
    return result


def known_causes(env, date, today):
    """{cause: set of partner ids} where a known semantic difference applies."""
    cr = env.cr
    causes = {"after_date": set(), "no_due_date": set()}
    if date >= today:
        cr.execute(
            """
            SELECT DISTINCT aml.partner_id
              FROM account_partial_reconcile apr
              JOIN account_move_line aml
                ON aml.id IN (apr.debit_move_id, apr.credit_move_id)
              JOIN account_account a ON a.id = aml.account_id
             WHERE apr.max_date > %s AND a.account_type = 'asset_receivable'
            """,
            [date],
        )
        causes["after_date"] = {row[0] or 0 for row in cr.fetchall()}
    cr.execute(
        """
        SELECT DISTINCT aml.partner_id
          FROM account_move_line aml
          JOIN account_account a ON a.id = aml.account_id
         WHERE a.account_type = 'asset_receivable' AND aml.date_maturity IS NULL
           AND aml.parent_state = 'posted' AND aml.date < %s
        """,
        [date],
    )
    causes["no_due_date"] = {row[0] or 0 for row in cr.fetchall()}
    return causes


def compare(ours, oca, causes):
    mismatches = []
    for partner_id in sorted(set(ours) | set(oca)):
        a = ours.get(partner_id, [0.0] * len(PERIODS))
        b = oca.get(partner_id, [0.0] * len(PERIODS))
        differing = [
            (name, x, y)
            for name, x, y in zip(PERIODS, a, b, strict=True)
            if abs(x - y) > TOLERANCE
        ]
        if differing:
            cause = next(
                (name for name, ids in causes.items() if partner_id in ids), None
            )
            mismatches.append((partner_id, cause, differing))
    by_cause = {}
    for _partner, cause, _differing in mismatches:
        by_cause[cause or "unexplained"] = by_cause.get(cause or "unexplained", 0) + 1
    return {
        "customers": len(set(ours) | set(oca)),
        "customers_ours": len(ours),
        "customers_oca": len(oca),
        "total_ours": round(sum(v[0] for v in ours.values()), 2),
        "total_oca": round(sum(v[0] for v in oca.values()), 2),
        "mismatches": len(mismatches),
        "by_cause": by_cause,
        "examples": [
            {
                "partner_id": partner,
                "cause": cause,
                "periods": {name: [round(x, 2), round(y, 2)] for name, x, y in diff},
            }
            for partner, cause, diff in mismatches
            if cause is None
        ][:5]
        + [
            {
                "partner_id": partner,
                "cause": cause,
                "periods": {name: [round(x, 2), round(y, 2)] for name, x, y in diff},
            }
            for partner, cause, diff in mismatches
            if cause is not None
        ][:2],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--size", default="S")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ours-db", help="default: credit_bench_<size>")
    parser.add_argument("--oca-db", help="default: credit_bench_<size>_oca")
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api, fields  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    lower = args.size.lower()
    databases = {
        "ours": args.ours_db or f"credit_bench_{lower}",
        "oca": args.oca_db or f"credit_bench_{lower}_oca",
    }
    config.parse_config(["-c", args.config, "--log-level=warn"])
    registries = {mode: Registry(db) for mode, db in databases.items()}
    registries["pivot"] = registries["ours"]
    functions = {"ours": ours_aging, "pivot": ours_pivot, "oca": oca_aging}
    today = fields.Date.today()
    figures = {"label": args.size, "mode": "aged", "dates": []}
    for name, date in (("today", today), ("180 days back", today - timedelta(180))):
        samples = {"ours": [], "pivot": [], "oca": []}
        results = {}
        for run in range(args.repeat + 1):  # the first run of each warms up
            for mode in (
                ("ours", "pivot", "oca") if run % 2 else ("oca", "pivot", "ours")
            ):
                with registries[mode].cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    start = time.perf_counter()
                    results[mode] = functions[mode](env, date)
                    elapsed = time.perf_counter() - start
                    if run:
                        samples[mode].append(elapsed)
                    if mode == "ours" and not run:
                        causes = known_causes(env, date, today)
                    cr.rollback()
        comparison = compare(results["ours"], results["oca"], causes)
        # The pivot's figures are the wizard's (a check of this script).
        pivot = compare(results["ours"], results["pivot"], {})
        assert not pivot["mismatches"], pivot["examples"]
        entry = {
            "name": name,
            "date": str(date),
            "ours": stats(samples["ours"]),
            "ours_pivot": stats(samples["pivot"]),
            "oca": stats(samples["oca"]),
            **comparison,
        }
        figures["dates"].append(entry)
        print(
            f"{args.size} {name}: ours {entry['ours']['median']:.3f} s (pivot "
            f"{entry['ours_pivot']['median']:.3f} s), OCA "
            f"{entry['oca']['median']:.3f} s "
            f"(OCA ÷ ours {entry['oca']['median'] / entry['ours']['median']:.1f}×); "
            f"{comparison['customers']} customers, totals {comparison['total_ours']}"
            f" / {comparison['total_oca']}, {comparison['mismatches']} mismatching "
            f"{comparison['by_cause']}"
        )
        for example in comparison["examples"]:
            print(f"  {example}")
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps(figures, default=str) + "\n")


if __name__ == "__main__":
    main()
