"""Check that a generated ledger is not degenerate; exit 1 if it is.

Run by bench/run_suite.sh on each size's database with credit_management installed
(the data is the bare database's), before anything is measured:

- distinct (due date, amount) pairs among the receivable lines of the customer
  invoices: at least 95 % of the lines (the first generator gave every regular
  customer the same ten invoices: 9 % at M);
- customers spread over the grades: the grade each customer's score gives (the
  scoring engine of credit_management, nothing written) populates at least four of
  the company's grades;
- aging at today (default periods: not due, 1–30, 31–60, 61–90, 91–120, older): every
  period holds at least 1 % of the open amount;
- warnings meet a spread: between 10 % and 90 % of the customers have something
  overdue today.

Usage: .venv/bin/python bench/selftest.py --db credit_bench_m [--label M]
           [--json out.jsonl]
"""

import argparse
import json
import sys
from collections import Counter

MIN_DISTINCT = 0.95
MIN_GRADES = 4
MIN_BUCKET_SHARE = 0.005
OVERDUE_SHARE = (0.10, 0.90)

DISTINCT_SQL = """
SELECT count(*), count(DISTINCT (aml.date_maturity, aml.balance))
  FROM account_move_line aml
  JOIN account_move am ON am.id = aml.move_id
 WHERE am.move_type = 'out_invoice' AND am.state = 'posted'
   AND aml.display_type = 'payment_term'
"""

# The aging at today by the periods' default bounds, every receivable line.
AGING_SQL = """
SELECT SUM(r) FILTER (WHERE d <= 0), SUM(r) FILTER (WHERE d BETWEEN 1 AND 30),
       SUM(r) FILTER (WHERE d BETWEEN 31 AND 60),
       SUM(r) FILTER (WHERE d BETWEEN 61 AND 90),
       SUM(r) FILTER (WHERE d BETWEEN 91 AND 120), SUM(r) FILTER (WHERE d > 120),
       count(DISTINCT partner_id) FILTER (WHERE d > 0 AND r > 0)
  FROM (SELECT aml.partner_id, aml.amount_residual AS r,
               current_date - COALESCE(aml.date_maturity, aml.date) AS d
          FROM account_move_line aml
          JOIN account_account a ON a.id = aml.account_id
         WHERE a.account_type = 'asset_receivable' AND aml.parent_state = 'posted'
           AND aml.reconciled IS NOT TRUE AND aml.amount_residual != 0) open
"""
BUCKETS = ("not due", "1-30", "31-60", "61-90", "91-120", "older")


def grade_counts(env, partners):
    """Customers per grade their score gives (nothing written): None when
    credit_management is not installed."""
    if "credit.scoring" not in env:
        return None
    scoring = env["credit.scoring"]
    company = env.company
    factors = scoring._credit_scorecard(
        company.credit_score_factor_ids.sorted("sequence")
    )
    grades = env["credit.grade"]._credit_grades(company)
    counts = Counter()
    for start in range(0, len(partners), 500):
        batch = partners[start : start + 500]
        raws = scoring._credit_factor_raw_values(batch)
        for partner in batch:
            score, _lines = scoring._credit_score(raws[partner.id], factors)
            grade = grades._credit_grade_for(score) if score is not None else None
            counts[grade.code if grade else "no score"] += 1
        env.invalidate_all()
    return dict(sorted(counts.items()))


def check(env):
    cr = env.cr
    partners = env["res.partner"].search([("name", "=like", "Bench Customer %")])
    result = {"customers": len(partners), "failures": []}
    failures = result["failures"]

    cr.execute(DISTINCT_SQL)
    lines, distinct = cr.fetchone()
    result.update(invoice_lines=lines, distinct_pairs=distinct)
    share = distinct / lines if lines else 0
    result["distinct_share"] = share
    if share < MIN_DISTINCT:
        failures.append(
            f"distinct (due date, amount) pairs: {distinct} of {lines} invoice "
            f"lines ({share:.1%}), fewer than {MIN_DISTINCT:.0%}"
        )

    counts = grade_counts(env, partners)
    result["grades"] = counts
    if counts is not None:
        populated = [code for code, n in counts.items() if code != "no score" and n]
        if len(populated) < MIN_GRADES:
            failures.append(
                f"grades populated: {len(populated)} ({counts}), fewer than "
                f"{MIN_GRADES}"
            )

    cr.execute(AGING_SQL)
    *amounts, overdue_customers = cr.fetchone()
    amounts = [float(a or 0) for a in amounts]
    total = sum(amounts)
    result["aging_today"] = dict(zip(BUCKETS, amounts, strict=True))
    thin = [
        name
        for name, amount in zip(BUCKETS, amounts, strict=True)
        if not total or amount / total < MIN_BUCKET_SHARE
    ]
    if thin:
        failures.append(
            f"aging periods at today with less than {MIN_BUCKET_SHARE:.1%} of the "
            f"open amount: {', '.join(thin)}"
        )
    overdue_share = overdue_customers / len(partners) if partners else 0
    result["overdue_customer_share"] = overdue_share
    low, high = OVERDUE_SHARE
    if not low <= overdue_share <= high:
        failures.append(
            f"customers with something overdue today: {overdue_share:.1%}, "
            f"outside {low:.0%}–{high:.0%}"
        )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--label", default="")
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    with Registry(args.db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = check(env)
        cr.rollback()
    result.update(db=args.db, label=args.label, mode="selftest")
    print(
        f"{args.db}: {result['distinct_pairs']} distinct (due date, amount) pairs "
        f"of {result['invoice_lines']} invoice lines "
        f"({result['distinct_share']:.1%}); grades {result['grades']}; "
        f"customers overdue {result['overdue_customer_share']:.1%}; aging today "
        + ", ".join(f"{k} {v:,.0f}" for k, v in result["aging_today"].items())
    )
    for failure in result["failures"]:
        print(f"FAILED: {failure}", file=sys.stderr)
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps(result, default=str) + "\n")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
