"""Benchmark the credit file on a generated database with credit_management:
the confirm-time check with three active securities per customer against the
check without (then with a temporary limit in force and the country rule on as
well), and the full re-rating with the credit information factors
(a financial statement and an agency rating per customer, country classes)
against the re-rating without. Everything runs in one transaction rolled back
at the end: the database is left as it was.

Usage: .venv/bin/python bench/credit_file.py --db credit_bench_m --label M
    [--json .local/bench.jsonl]
"""

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import confirm_order, in_savepoint, let_checks_pass, small_and_huge, timed

SECURITIES_SQL = """
INSERT INTO credit_security
       (name, partner_id, company_id, security_type, issuer_id, amount,
        currency_id, coverage, date_from, date_to, state,
        create_uid, create_date, write_uid, write_date)
SELECT 'BENCH-' || p.id || '-' || k, p.id, %(company)s,
       (ARRAY['bank_guarantee', 'insurance', 'collateral'])[k],
       %(issuer)s, 1000 + (hashtext(p.id || '/' || k) & 1023),
       %(currency)s, 90, current_date - 30,
       current_date + 30 + (hashtext(p.id::text) & 300), 'active',
       1, now(), 1, now()
  FROM res_partner p, generate_series(1, 3) k
 WHERE p.id = ANY(%(partner_ids)s)
"""

STATEMENTS_SQL = """
INSERT INTO credit_statement
       (partner_id, company_id, currency_id, period_end, source,
        current_assets, current_liabilities, total_assets, total_liabilities,
        retained_earnings, ebit, revenue, book_equity,
        working_capital, current_ratio, debt_ratio, altman_z, has_altman_z,
        altman_zone, create_uid, create_date, write_uid, write_date)
SELECT s.partner_id, %(company)s, %(currency)s, current_date - 120, 'audited',
       s.ca, s.cl, 1000000, s.tl, s.re, s.ebit, 2000000, 1000000 - s.tl,
       s.ca - s.cl, s.ca / s.cl, s.tl / 1000000.0,
       z.z, TRUE, CASE WHEN z.z > 2.6 THEN 'safe' WHEN z.z < 1.1 THEN 'distress'
                       ELSE 'grey' END,
       1, now(), 1, now()
  FROM (SELECT p.id AS partner_id,
               200000 + (hashtext('ca' || p.id) & 262143) AS ca,
               100000 + (hashtext('cl' || p.id) & 262143) AS cl,
               300000 + (hashtext('tl' || p.id) & 524287) AS tl,
               (hashtext('re' || p.id) & 262143) - 100000 AS re,
               (hashtext('eb' || p.id) & 131071) - 30000 AS ebit
          FROM res_partner p WHERE p.id = ANY(%(partner_ids)s)) s,
       LATERAL (SELECT 6.56 * (s.ca - s.cl) / 1000000.0 + 3.26 * s.re / 1000000.0
                       + 6.72 * s.ebit / 1000000.0
                       + 1.05 * (1000000 - s.tl) / s.tl AS z) z
"""

RATINGS_SQL = """
INSERT INTO credit_rating
       (partner_id, company_id, agency_id, date, rating, score,
        create_uid, create_date, write_uid, write_date)
SELECT p.id, %(company)s, %(agency)s, current_date - 60,
       mod(hashtext('r' || p.id) & 127, 101), mod(hashtext('r' || p.id) & 127, 101),
       1, now(), 1, now()
  FROM res_partner p WHERE p.id = ANY(%(partner_ids)s)
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--label", default="")
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    parser.add_argument(
        "--no-rerate",
        action="store_true",
        help="the securities in the check only (the re-ratings take minutes at L)",
    )
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api, fields  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    figures = {"db": args.db, "label": args.label, "mode": "credit_file"}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        company = env.company
        Partner = env["res.partner"]
        partners = Partner.search([("name", "=like", "Bench Customer %")])
        figures["customers"] = len(partners)
        small, large = (row[0] for row in small_and_huge(env, partners))
        let_checks_pass(env, "ours", [small, large])
        orders = {
            "small": confirm_order(env, small),
            "large": confirm_order(env, large),
        }

        def checks(suffix):
            for name, order in orders.items():

                def check(order=order):
                    result = env["credit.policy"]._credit_check(order)
                    assert not result["codes"], result["reasons"]

                figures[f"confirm_check_{name}_{suffix}"] = timed(
                    check, args.repeat * 4
                )

        def rerate_all():
            with patch.object(
                type(env["ir.cron"]), "_commit_progress", lambda *a, **k: 3600.0
            ):
                env["credit.rerate"]._cron_rerate(company.ids)

        # Without securities and without credit information.
        checks("plain")
        if not args.no_rerate:
            figures["rerate_all_plain"] = timed(
                in_savepoint(env, rerate_all), 1, warmup=False
            )

        issuer = Partner.create({"name": "Bench Bank", "is_company": True})
        values = {
            "company": company.id,
            "currency": company.currency_id.id,
            "issuer": issuer.id,
            "partner_ids": partners.ids,
        }
        cr.execute(SECURITIES_SQL, values)
        figures["securities"] = cr.rowcount
        cr.execute("ANALYZE credit_security")
        env.invalidate_all()
        checks("secured")
        for name in orders:
            figures[f"confirm_check_{name}_secured_ratio"] = (
                figures[f"confirm_check_{name}_secured"]["median"]
                / figures[f"confirm_check_{name}_plain"]["median"]
            )

        # Every rule of this wave in play as well: a temporary limit in force on
        # both customers, and the country rule on, both customers abroad in a
        # classed country below the company's threshold (read, not blocking).
        abroad = env["res.country"].search(
            [("id", "!=", company.country_id.id)], limit=1
        )
        abroad.credit_risk_class = "3"
        company.write({"credit_block_country": True, "credit_country_risk_class": 7})
        today = fields.Date.context_today(company)
        Partner.browse([small, large]).write({"country_id": abroad.id})
        env.flush_all()
        # (a temporary limit is written only by an approved limit request: here
        # straight into its company-dependent columns)
        cr.execute(
            """
            UPDATE res_partner
               SET credit_limit_temporary = jsonb_build_object(%(c)s, 2e12),
                   credit_limit_temporary_from = jsonb_build_object(%(c)s, %(start)s),
                   credit_limit_temporary_to = jsonb_build_object(%(c)s, %(end)s)
             WHERE id = ANY(%(ids)s)
            """,
            {
                "c": str(company.id),
                "start": str(today - timedelta(days=1)),
                "end": str(today + timedelta(days=30)),
                "ids": [small, large],
            },
        )
        env.invalidate_all()
        for partner in Partner.browse([small, large]).with_company(company):
            assert partner._credit_limit_on() == 2e12, partner
        checks("full")
        for name in orders:
            figures[f"confirm_check_{name}_full_ratio"] = (
                figures[f"confirm_check_{name}_full"]["median"]
                / figures[f"confirm_check_{name}_plain"]["median"]
            )

        if not args.no_rerate:
            agency = env["credit.agency"].create(
                {"name": "Bench Agency", "scale_best": 100, "scale_worst": 0}
            )
            cr.execute(STATEMENTS_SQL, values)
            figures["statements"] = cr.rowcount
            cr.execute(RATINGS_SQL, dict(values, agency=agency.id))
            figures["ratings"] = cr.rowcount
            countries = partners.country_id
            for index, country in enumerate(countries):
                country.credit_risk_class = str(index % 8)
            cr.execute("ANALYZE credit_statement; ANALYZE credit_rating")
            env.invalidate_all()
            figures["rerate_all_with_file"] = timed(
                in_savepoint(env, rerate_all), 1, warmup=False
            )
            figures["rerate_file_ratio"] = (
                figures["rerate_all_with_file"]["median"]
                / figures["rerate_all_plain"]["median"]
            )
        cr.rollback()
    print(json.dumps(figures, indent=2, default=str))
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps(figures, default=str) + "\n")


if __name__ == "__main__":
    main()
