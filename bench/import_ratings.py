"""Time the import of an agency file: preview (read, match, check every line)
and import (record every rating) of a CSV of ``--lines`` ratings.

The database needs credit_management installed. ``--setup`` prepares it once
(committed): commercial customers ``Import Bench 00001`` … with tax IDs
``XB00000001`` …, a letter-scale agency, last year's file of the agency
imported through the wizard, and every customer rated (``_credit_rate``) so
that grades follow those ratings, as in a live database (the customers have
no invoices: the company's minimum weight with data is lowered to 10 % so
that the external rating alone grades them, and the grades are applied).

The timed file is this year's: every customer again, ``--shift`` % of them a
notch up or down (the others keep their letter), tax IDs written in several
ways, both date formats. Rating drops and grade moves raise the credit
warnings as they would. Every timed run happens in a savepoint rolled back
afterwards, as the credit manager ``base.user_admin`` (record rules apply),
after one warm-up run.

Usage:
    .venv/bin/python bench/import_ratings.py --db cmimport_bench --setup
    .venv/bin/python bench/import_ratings.py --db cmimport_bench [--shift 10]
"""

import argparse
import base64
import json
import random
import statistics
import time
from datetime import date, timedelta

LETTERS = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "D")


def setup(env, count):
    """Customers, agency, last year's ratings, grades (idempotent; committed)."""
    from odoo import Command  # noqa: PLC0415

    Partner = env["res.partner"]
    existing = Partner.search_count([("name", "=like", "Import Bench %")])
    for start in range(existing, count, 2000):
        Partner.create(
            [
                {
                    "name": f"Import Bench {i:05d}",
                    "is_company": True,
                    "vat": f"XB{i:08d}",
                }
                for i in range(start + 1, min(start + 2000, count) + 1)
            ]
        )
        env.cr.commit()
    if not env["credit.agency"].search([("name", "=", "Bench Agency")]):
        env["credit.agency"].create(
            {
                "name": "Bench Agency",
                "scale_type": "letter",
                "grade_ids": [
                    Command.create(
                        {"name": letter, "score": 100 - 14 * n, "sequence": n}
                    )
                    for n, letter in enumerate(LETTERS)
                ],
            }
        )
    if not env["credit.rating.import"].search([("file_name", "=", "last_year.csv")]):
        record = env["credit.rating.import"].create(
            {
                "file": base64.b64encode(make_csv(count, date.today(), last_year=True)),
                "file_name": "last_year.csv",
            }
        )
        record.action_preview()
        record.action_import()
        env.cr.commit()
    partners = Partner.search([("name", "=like", "Import Bench %")], order="id")
    if not partners.filtered("credit_grade_id"):
        # The customers have no invoices: the external rating is the only factor
        # with data, and must be enough to grade them.
        # Grades applied, not proposed, for the setup's own rating only.
        mode = env.company.credit_limit_mode
        env.company.write({"credit_min_data_weight": 10, "credit_limit_mode": "auto"})
        for start in range(0, len(partners), 1000):
            env["credit.scoring"]._credit_rate(partners[start : start + 1000], "manual")
            env.cr.commit()
            env.invalidate_all()
        env.company.credit_limit_mode = mode
    # The warnings of last year's ratings were read and closed long ago (open,
    # they would stop this year's from being raised).
    env["mail.activity"].search([("credit_warning_code", "!=", False)]).unlink()
    env.cr.commit()


def make_csv(count, today, last_year=False, shift=10, seed=42):
    """A semicolon CSV of ``count`` lines, one per customer: last year's file,
    or this year's with ``shift`` % of the letters a notch up or down."""
    base = random.Random(seed)
    moves = random.Random(seed + 1)
    lines = ["Tax ID;Agency;Date;Rating;Valid Until"]
    for i in range(1, count + 1):
        letter = base.randrange(len(LETTERS))
        digits = f"{i:08d}"
        vat = (
            f"XB{digits}",
            f"xb {digits[:4]} {digits[4:]}",
            f"XB.{digits[:4]}-{digits[4:]}",
        )[i % 3]
        if last_year:
            day = today - timedelta(days=400 + i % 200)
        else:
            day = today - timedelta(days=1 + i % 300)
            if moves.random() < shift / 100:
                letter = min(max(letter + moves.choice((-1, 1)), 0), len(LETTERS) - 1)
        until = ""
        if i % 2 and not last_year:
            until = (day + timedelta(days=365)).strftime("%d/%m/%Y")
        lines.append(f"{vat};Bench Agency;{day.isoformat()};{LETTERS[letter]};{until}")
    return ("\n".join(lines) + "\n").encode()


def stats(samples):
    return {
        "median": round(statistics.median(samples), 3),
        "min": round(min(samples), 3),
        "max": round(max(samples), 3),
        "n": len(samples),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--shift", type=float, default=10.0)
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    args = parser.parse_args()

    from odoo import api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
        if args.setup:
            setup(env, args.lines)
        admin = env.ref("base.user_admin")
        env = env(user=admin.id, context=dict(env.context, lang="en_US"))
        content = base64.b64encode(make_csv(args.lines, date.today(), shift=args.shift))
        customers = env["res.partner"].search_count(
            [("name", "=like", "Import Bench %")]
        )
        assert customers >= args.lines, "run with --setup first"
        preview, imported, queries = [], [], []
        Activity = env["mail.activity"].sudo()
        warning_domain = [("credit_warning_code", "!=", False)]
        for run in range(args.repeat + 1):
            with cr.savepoint(flush=False) as savepoint:
                record = env["credit.rating.import"].create(
                    {"file": content, "file_name": "bench.csv"}
                )
                env.flush_all()
                warnings_before = Activity.search_count(warning_domain)
                count = cr.sql_log_count
                start = time.perf_counter()
                record.action_preview()
                env.flush_all()
                middle = time.perf_counter()
                assert record.state == "previewed", record.result_message
                record.action_import()
                env.flush_all()
                end = time.perf_counter()
                assert record.rating_count == args.lines, record.result_message
                warnings = Activity.search_count(warning_domain) - warnings_before
                if run:  # the first run warms caches and query plans
                    preview.append(middle - start)
                    imported.append(end - middle)
                    queries.append(cr.sql_log_count - count)
                savepoint.rollback()
            env.invalidate_all()
        cr.rollback()
    figures = {
        "db": args.db,
        "mode": "import",
        "label": f"{args.lines} lines",
        "lines": args.lines,
        "customers": customers,
        "preview_seconds": stats(preview),
        "import_seconds": stats(imported),
        "total_seconds_median": round(
            statistics.median(p + i for p, i in zip(preview, imported, strict=True)), 3
        ),
        "queries": max(queries),
        "shift_percent": args.shift,
        "warnings_raised": warnings,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
