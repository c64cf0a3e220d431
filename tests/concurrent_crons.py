"""The two re-rating jobs started at the same moment, many times, on real cursors.

Odoo's cron threads run different jobs in parallel: the periodic re-rating and
the daily re-rating of customers with new overdue invoices can start together
(they do on the first start of a new database) and want to rate the same
customers. This check runs both through Odoo's own cron runner
(``ir.cron._acquire_one_job`` + ``_process_job``, as a cron thread does), each
in its own thread and database cursor, released together by a barrier,
``--rounds`` times. Before each round the jobs' runs are cleared and the
customers' last rating is reset, so both jobs have the same customers to rate.

The periodic re-rating has a second worker (its helper cron), which joins a
run in progress and claims batches that no other worker holds. On even rounds
the periodic run is started (committed, nothing rated) before the threads, so
the two workers of that run and the event job are released together on it; on
odd rounds all three start from nothing, as on a first start. The customers
each worker of the periodic run rated are counted from Odoo's cron progress
records.

A round passes when:

- nothing was logged at ERROR or above (a failed job logs its traceback there),
  and neither thread raised;
- after both jobs are run to their end, every customer of the periodic run has
  exactly one review of that run, and no customer has two reviews of the event
  run.

Usage (from the repository root; ``scripts/test`` runs it on its test database):
    .venv/bin/python tests/concurrent_crons.py --db credit_test [--rounds 20]
"""

import argparse
import logging
import sys
import threading
from datetime import timedelta

from odoo import Command, api, fields, netsvc
from odoo.modules.registry import Registry
from odoo.tools import config

CUSTOMERS = 30
PREFIX = "Cron Race Customer"


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def setup(registry):
    """Customers with an invoice that fell due yesterday: candidates of both jobs
    (created once, committed)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, 1, {})
        company = env.ref("base.main_company")
        env = env(context={"allowed_company_ids": company.ids})
        partners = env["res.partner"].search([("name", "=like", f"{PREFIX} %")])
        if len(partners) < CUSTOMERS:
            yesterday = fields.Date.context_today(env["res.partner"]) - timedelta(1)
            partners |= env["res.partner"].create(
                [
                    {"name": f"{PREFIX} {i}", "is_company": True}
                    for i in range(len(partners), CUSTOMERS)
                ]
            )
            moves = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": yesterday,
                        "invoice_date_due": yesterday,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Race",
                                    "quantity": 1,
                                    "price_unit": 100.0,
                                    "tax_ids": [],
                                }
                            )
                        ],
                    }
                    for partner in partners
                    if not partner.invoice_ids
                ]
            )
            moves.action_post()
        company.credit_rerate_batch_size = 5
        cr.commit()
        return partners.ids


def reset(registry):
    with registry.cursor() as cr:
        cr.execute("DELETE FROM credit_job_run")
        cr.execute("DELETE FROM credit_review WHERE trigger IN ('scheduled', 'event')")
        cr.execute("DELETE FROM ir_cron_trigger")
        cr.execute("DELETE FROM ir_cron_progress")
        cr.execute("UPDATE res_partner SET credit_score_date = NULL")
        cr.commit()


def start_periodic_run(registry):
    """Start the periodic re-rating's run (counted, committed, nobody rated)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, 1, {})
        env["credit.job.run"]._credit_runs("rerate")
        cr.commit()


def rated_by_worker(registry, crons):
    """{cron name: customers it rated}, from Odoo's progress records."""
    with registry.cursor() as cr:
        cr.execute(
            "SELECT cron_id, COALESCE(sum(done), 0) FROM ir_cron_progress"
            " WHERE cron_id = ANY(%s) GROUP BY cron_id",
            [[crons["rerate"], crons["helper"]]],
        )
        done = dict(cr.fetchall())
    return {name: done.get(crons[name], 0) for name in ("rerate", "helper")}


def run_job(registry, cron_id, barrier, errors):
    try:
        barrier.wait()
        with registry.cursor() as cron_cr:
            ir_cron = registry["ir.cron"]
            job = ir_cron._acquire_one_job(cron_cr, cron_id, include_not_ready=True)
            if job is None:
                raise RuntimeError(f"cron {cron_id} is held by another worker")
            ir_cron._process_job(cron_cr, job)
            cron_cr.commit()
    except Exception as error:  # noqa: BLE001 - every failure is reported
        errors.append(repr(error))


def run_to_end(registry, crons):
    """Call each job that still has a run in progress again, until none has
    (what its trigger does a minute later). Jobs without a run in progress are
    not called: a call would start their next pass."""
    for _ in range(50):
        with registry.cursor() as cr:
            cr.execute(
                "SELECT DISTINCT job FROM credit_job_run WHERE state = 'running'"
            )
            jobs = {row[0] for row in cr.fetchall()}
        if not jobs:
            return
        for job, cron_id in crons.items():
            if job in jobs:
                run_job(registry, cron_id, threading.Barrier(1), [])
    raise SystemExit("the jobs never finished their runs")


def check(registry, partner_ids):
    """Every customer rated once in the period: by the periodic run, or by the
    event run after the periodic run started (the periodic run then counts it
    as rated); no customer twice by the same run."""
    with registry.cursor() as cr:
        cr.execute(
            """
            SELECT r.job, rv.partner_id, count(*), max(rv.date) >= max(p.date_start)
              FROM credit_job_run r
              JOIN credit_review rv ON rv.run_ref = r.run_ref
                                   AND rv.company_id = r.company_id
              JOIN credit_job_run p ON p.job = 'rerate' AND p.company_id = r.company_id
             GROUP BY r.job, rv.partner_id
            """
        )
        counts = {(job, partner): (n, late) for job, partner, n, late in cr.fetchall()}
        cr.execute("SELECT job, state, done_count, failed_count FROM credit_job_run")
        runs = cr.fetchall()
    problems = []
    for partner_id in partner_ids:
        periodic, _late = counts.get(("rerate", partner_id), (0, False))
        event, in_period = counts.get(("rerate_event", partner_id), (0, False))
        if periodic > 1 or event > 1:
            problems.append(f"customer {partner_id}: rated twice by one run")
        elif periodic + (event if in_period else 0) != 1:
            problems.append(
                f"customer {partner_id}: {periodic} periodic and {event} event "
                "reviews in the period"
            )
    if any(state != "done" or failed for _job, state, _done, failed in runs):
        problems.append(f"runs not done or with failures: {runs}")
    events = sum(n for (job, _p), (n, _l) in counts.items() if job == "rerate_event")
    return problems, events


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    config.parse_config(["-c", args.config, "-d", args.db, "--log-level", "warn"])
    netsvc.init_logger()
    capture = Capture()
    logging.getLogger().addHandler(capture)
    registry = Registry(args.db)
    partner_ids = setup(registry)
    with registry.cursor() as cr:
        cr.execute(
            """
            SELECT name, res_id FROM ir_model_data
             WHERE module = 'credit_management'
               AND name IN ('ir_cron_credit_rerate', 'ir_cron_credit_rerate_events',
                            'ir_cron_credit_rerate_helper')
            """
        )
        names = dict(cr.fetchall())
    crons = {
        "rerate": names["ir_cron_credit_rerate"],
        "rerate_event": names["ir_cron_credit_rerate_events"],
    }
    cron_ids = list(crons.values()) + [names["ir_cron_credit_rerate_helper"]]
    workers = {
        "rerate": crons["rerate"],
        "helper": names["ir_cron_credit_rerate_helper"],
    }
    failed = 0
    shared = 0
    for round_ in range(1, args.rounds + 1):
        reset(registry)
        if round_ % 2 == 0:
            start_periodic_run(registry)
        barrier = threading.Barrier(len(cron_ids))
        errors = []
        threads = [
            threading.Thread(target=run_job, args=(registry, cron_id, barrier, errors))
            for cron_id in cron_ids
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with registry.cursor() as cr:
            # A job that found the other one at work asked to be called again.
            cr.execute("SELECT count(*) FROM ir_cron_trigger WHERE call_at > now()")
            waited = cr.fetchone()[0]
        run_to_end(registry, crons)
        problems, events = check(registry, partner_ids)
        by_worker = rated_by_worker(registry, workers)
        shared += all(by_worker.values())
        problems += errors
        problems += [
            f"{record.levelname} {record.name}: {record.getMessage()}"
            for record in capture.records
        ]
        capture.records.clear()
        print(
            f"round {round_}: {'ok' if not problems else 'FAILED'} "
            f"({events} event reviews, {waited} job(s) waited for another; "
            f"periodic run: {by_worker['rerate']} rated by its first worker, "
            f"{by_worker['helper']} by its helper)",
            flush=True,
        )
        for problem in problems:
            print(f"  {problem}", flush=True)
        failed += bool(problems)
    print(
        f"{args.rounds - failed} passed, {failed} failed; "
        f"{shared} rounds with both workers of the periodic run rating customers",
        flush=True,
    )
    if not shared and args.rounds > 1:
        print("the helper worker never rated anybody beside the first one", flush=True)
        failed += 1
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
