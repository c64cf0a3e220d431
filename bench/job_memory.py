"""Peak memory of every scheduled job of the addon, each in a process of its
own, on the ``ours`` database of a size (issue 19: peak RSS flat in the number
of customers, S, M and L within 25 %).

Each job runs as the scheduler calls it (its ``model._cron_…()`` code, all its
batches in one call: ``_commit_progress`` says there is time left and commits
nothing), in a transaction rolled back at the end. The peak is the process's
high-water mark (``ru_maxrss``) after the job, next to the mark before it (the
registry loaded, the data below written).

The daily jobs get work in proportion to the size, as a company of that size
would have on one day, written in SQL before the job (and rolled back with it):
three securities per customer, one of them ending today for 1 % of the
customers and within the notice for another 1 % (security expiry); 1 % of the
customers with an approved temporary limit starting today and 1 % with one
ending today (temporary limits). The
re-ratings, the collection run, the prediction and the KPI snapshot work on the
generated ledger itself. The sending of collection e-mails is left out: it
renders one PDF per e-mail with wkhtmltopdf, a process of its own.

Usage: .venv/bin/python bench/job_memory.py --db credit_bench_m --label M \
        [--json out.jsonl] [--results bench/RESULTS.md]
"""

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from credit_file import SECURITIES_SQL
from report import append_record, write_section
from run import peak_rss_mb

BEGIN = "<!-- job-memory:begin -->"
END = "<!-- job-memory:end -->"

# job: (model, method, what it works on)
JOBS = {
    "rerate": ("credit.rerate", "_cron_rerate", "every customer"),
    "rerate_events": (
        "credit.rerate",
        "_cron_rerate_events",
        "customers with items newly overdue",
    ),
    "collect": ("credit.collection.run", "_cron_collect", "customers past due"),
    "predict": ("credit.prediction", "_cron_predict", "open invoices"),
    "kpi": ("credit.kpi.snapshot", "_cron_snapshot", "every customer"),
    "expiry": ("credit.security", "_cron_expire", "securities"),
    "temporary": (
        "credit.limit.request",
        "_cron_temporary_limits",
        "temporary limit requests",
    ),
}

REQUESTS_SQL = """
INSERT INTO credit_limit_request
       (name, company_id, partner_id, requested_by_id, limit_type, state,
        reason, limit_requested, limit_current, approval_level, first_approver_id,
        first_approval_date, date_from, date_to,
        create_uid, create_date, write_uid, write_date)
SELECT 'BENCH-' || p.id, %(company)s, p.id, 2, 'temporary',
       CASE WHEN p.id %% 2 = 0 THEN 'approved' ELSE 'applied' END,
       'bench', 50000, 0, 1, 2, now() - interval '1 day',
       CASE WHEN p.id %% 2 = 0 THEN current_date ELSE current_date - 30 END,
       CASE WHEN p.id %% 2 = 0 THEN current_date + 30 ELSE current_date END,
       1, now(), 1, now()
  FROM res_partner p
 WHERE p.id = ANY(%(partner_ids)s)
"""


def prepare(env, job, partner_ids):
    """Write the day's work of ``job`` (see the module's docstring)."""
    cr = env.cr
    company = env.company
    if job == "expiry":
        cr.execute(
            SECURITIES_SQL,
            {
                "company": company.id,
                "issuer": company.partner_id.id,
                "currency": company.currency_id.id,
                "partner_ids": partner_ids,
            },
        )
        cr.execute(
            """
            UPDATE credit_security
               SET date_to = CASE WHEN partner_id %% 2 = 0 THEN current_date
                                  ELSE current_date + 3 END
             WHERE name LIKE 'BENCH-%%' AND name LIKE '%%-1'
               AND partner_id = ANY(%s)
            """,
            [partner_ids[::50]],
        )
        return cr.rowcount
    if job == "temporary":
        cr.execute(
            REQUESTS_SQL,
            {"company": company.id, "partner_ids": partner_ids[::50]},
        )
        # The customers whose limit ends today have it in force.
        cr.execute(
            """
            UPDATE res_partner p
               SET credit_limit_temporary = jsonb_build_object(%(c)s, 50000),
                   credit_limit_temporary_from = jsonb_build_object(
                       %(c)s, (current_date - 30)::text),
                   credit_limit_temporary_to = jsonb_build_object(
                       %(c)s, current_date::text)
              FROM credit_limit_request r
             WHERE r.partner_id = p.id AND r.state = 'applied'
               AND r.name LIKE 'BENCH-%%'
            """,
            {"c": str(company.id)},
        )
        return len(partner_ids[::50])
    return None


def child(args):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    model, method, _what = JOBS[args.child]
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # The collection run works for a company with a policy: the default
        # one (as bench/collection_run.py).
        env.company.write(
            {
                "credit_control_enabled": True,
                "credit_collection_policy_id": env.ref(
                    "credit_management.credit_collection_policy_default"
                ).id,
            }
        )
        partner_ids = (
            env["res.partner"].search([("name", "=like", "Bench Customer %")]).ids
        )
        work = prepare(env, args.child, partner_ids)
        env.flush_all()
        env.invalidate_all()
        del partner_ids
        before = peak_rss_mb()
        start = time.perf_counter()
        with patch.object(
            type(env["ir.cron"]), "_commit_progress", lambda *a, **k: 3600.0
        ):
            getattr(env[model], method)()
        env.flush_all()
        seconds = time.perf_counter() - start
        figures = {
            "job": args.child,
            "rss_before_mb": before,
            "rss_peak_mb": peak_rss_mb(),
            "seconds": seconds,
            "work": work,
        }
        cr.rollback()
    print(json.dumps(figures))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--label", default="")
    parser.add_argument("--jobs", default=",".join(JOBS))
    parser.add_argument("--json", help="append the figures to this JSON-lines file")
    parser.add_argument("--results", help="rewrite the job-memory section here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    record = {
        "label": args.label,
        "mode": "job_memory",
        "db": args.db,
        "measured": f"{datetime.now(UTC):%Y-%m-%d}",
        "jobs": {},
    }
    for job in args.jobs.split(","):
        output = subprocess.run(
            [sys.executable, __file__, "--config", args.config, "--db", args.db]
            + ["--child", job],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        print(json.dumps(figures), flush=True)
        record["jobs"][job] = figures
    if args.json:
        append_record(args.json, record)
    if args.results and args.json:
        write_results(args.json, args.results)


def write_results(jsonl, results):
    # A later run of some jobs (--jobs) updates those of its size only.
    runs = {}
    with open(jsonl) as lines:
        for line in lines:
            record = json.loads(line) if line.strip() else {}
            if record.get("mode") == "job_memory":
                merged = runs.setdefault(record["label"], {"jobs": {}})
                merged["measured"] = record["measured"]
                merged["jobs"].update(record["jobs"])
    labels = [label for label in ("S", "M", "L") if label in runs]
    out = [
        BEGIN,
        "## Peak memory of the scheduled jobs",
        "",
        (
            "`bench/job_memory.py` on the `ours` database: each job in a process "
            "of its own, as the scheduler calls it (all its batches in one call), "
            "in a transaction rolled back. Peak RSS of the process after the job "
            "(before it in brackets: the registry loaded and the day's work "
            "written); the daily jobs get work in proportion to the size (2 % of "
            "the customers: a security ending today or within the notice, a "
            "temporary limit starting or ending today). Target: the peak of "
            "every job within 25 % from S to L. "
            "Measured " + ", ".join(f"{x} {runs[x]['measured']}" for x in labels) + "."
        ),
        "",
        "| job | works on | "
        + " | ".join(f"{label}: peak (before), time" for label in labels)
        + " | largest ÷ smallest peak |",
        "| --- | --- | " + " | ".join("---" for _ in labels) + " | --- |",
    ]
    for job, (_model, _method, what) in JOBS.items():
        cells, peaks = [], []
        for label in labels:
            figures = runs[label]["jobs"].get(job)
            if not figures:
                cells.append("–")
                continue
            peaks.append(figures["rss_peak_mb"])
            cells.append(
                f"{figures['rss_peak_mb']:.0f} MB ({figures['rss_before_mb']:.0f}), "
                f"{figures['seconds']:.1f} s"
            )
        spread = max(peaks) / min(peaks) if peaks else None
        verdict = (
            f"{spread:.2f} → {'**met**' if spread <= 1.25 else '**missed**'}"
            if spread and len(peaks) > 1
            else "–"
        )
        out.append(f"| `{job}` | {what} | " + " | ".join(cells) + f" | {verdict} |")
    out += ["", END]
    write_section(results, BEGIN, END, "\n".join(out))


if __name__ == "__main__":
    main()
