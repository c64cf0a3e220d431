"""The scheduled credit jobs survive a cron worker killed at a random moment.

On a copy of ``--from-db`` (credit_management installed) filled by
bench/generate.py (``--size S`` by default: 1,000 customers with ten invoices
each, overdue ones among them), the company gets credit control, the default
collection policy (``credit_management.credit_collection_policy_default``) and
small batches; the periodic re-rating, the daily re-rating on new overdue
invoices and the daily collection run are made due (every other scheduled
action is put off a month, the collection e-mails are switched off: they are
not under test and each one renders a PDF).

A real prefork server (``--workers 2 --max-cron-threads 1``) runs them in its
cron worker process. The cron worker is found by the server's log ("Worker
WorkerCron (pid) alive", a child of the server) and sent SIGKILL when the jobs
have done a random share of their work (drawn from the seed) plus a random
fraction of a second, so the kill lands inside a batch or a commit; even seeds
kill inside the collection run instead, at a random share of its records. The prefork
server starts a new cron worker, as it does in production; the check wakes it
(NOTIFY cron_trigger, what a new trigger does) until the jobs are done.

First a control run on another copy, not killed. Then, for each seed, a killed
run; it passes when, checked by SQL:

- every run record is finished (``credit_job_run.state = 'done'``), one per job
  and company as in the control run, and a re-rating run counts as done the
  customers it has a review of, no more, no less;
- every customer is rated exactly once in the period (once by the periodic run,
  or by the event run after the periodic run started), no customer has two
  reviews of one run, nor two event reviews the same day; the customers rated
  are those of the control run;
- no two open activities for the same (customer, type, user, warning): the
  early warnings are one activity per warning (score below, new overdue, ...)
  by design;
- no two collection communications (not cancelled) for the same customer and
  level; the communications are those of the control run;
- every grade change of a review has its decision row, once, and no approval or
  refusal decision lacks its order or approval;
- every customer ends with the grade, score, limit, hold and collection status
  of the control run;
- the server logged no ERROR/CRITICAL line but the killed worker's own (the
  master reports its death), and no deadlock.

Usage (scripts/test runs it on a copy of its test database):
    .venv/bin/python tests/kill_cron.py --from-db credit_test --db credit_kill \
        [--size S | --customers N] [--seeds 1,2,3,4,5] [--kills 1]
"""

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from odoo_process import ROOT, Pg, Server, bad_log_lines

JOBS = {
    "rerate": "ir_cron_credit_rerate",
    "rerate_event": "ir_cron_credit_rerate_events",
    "collect": "ir_cron_credit_collection",
}
# Logged by the master when it finds its cron worker killed: expected here.
ALLOWED = [r"Worker \(\d+\) .*(killed|signal)", r"odoo.service.server: Worker"]


def xmlid(pg, db, name):
    return pg.rows(
        db,
        "SELECT res_id FROM ir_model_data WHERE module = 'credit_management' "
        "AND name = %s",
        [name],
    )[0][0]


def prepare(pg, args, template):
    """The template database: a copy of --from-db with generated customers, the
    jobs made due. :return: the ids of the last rows before the jobs run, the
    ids of the jobs' crons."""
    if args.reuse and pg.exists(template):
        return baseline_of(pg, template)
    pg.copy(args.from_db, template)
    command = [
        sys.executable,
        str(ROOT / "bench" / "generate.py"),
        "--config",
        args.config,
        "--db",
        template,
    ]
    command += (
        ["--customers", str(args.customers)]
        if args.customers
        else ["--size", args.size]
    )
    subprocess.run(command, check=True, cwd=ROOT)
    policy = xmlid(pg, template, "credit_collection_policy_default")
    crons = [xmlid(pg, template, name) for name in JOBS.values()]
    send = xmlid(pg, template, "ir_cron_credit_collection_send")
    with pg.connect(template, autocommit=False) as cnx, cnx.cursor() as cr:
        cr.execute(
            "UPDATE res_company SET credit_control_enabled = true, "
            "credit_rerate_batch_size = %s",
            [args.batch_size],
        )
        cr.execute(
            "UPDATE res_company c SET credit_collection_policy_id = p.id "
            "FROM credit_collection_policy p WHERE p.id = %s AND c.id = p.company_id",
            [policy],
        )
        # Runs left by earlier checks on the source database (a pass done
        # today would be skipped): each job starts a new pass here.
        cr.execute("DELETE FROM credit_job_run")
        cr.execute("DELETE FROM ir_cron_trigger")
        cr.execute(
            "UPDATE ir_cron "
            "SET nextcall = now() at time zone 'UTC' + interval '30 days'"
        )
        cr.execute("UPDATE ir_cron SET active = false WHERE id = %s", [send])
        cr.execute(
            "UPDATE ir_cron SET active = true, failure_count = 0, "
            "nextcall = now() at time zone 'UTC' - interval '1 minute' "
            "WHERE id = ANY(%s)",
            [crons],
        )
        cr.execute("DELETE FROM ir_cron_progress")
        cnx.commit()
    return baseline_of(pg, template)


def baseline_of(pg, template):
    crons = [xmlid(pg, template, name) for name in JOBS.values()]
    baseline = {}
    for table in (
        "credit_review",
        "credit_decision",
        "credit_collection_communication",
        "mail_activity",
    ):
        baseline[table] = pg.rows(
            template, f"SELECT coalesce(max(id), 0) FROM {table}"
        )[0][0]
    return baseline, crons


def progress(pg, db):
    """(records done by the jobs' runs, runs still running)."""
    return pg.rows(
        db,
        "SELECT coalesce(sum(done_count + failed_count), 0), "
        "count(*) FILTER (WHERE state = 'running') FROM credit_job_run",
    )[0]


def finished(pg, db, crons, started):
    """The three jobs ran to their end: no run in progress, each job called
    since the start and rescheduled to its next interval."""
    running, waiting = pg.rows(
        db,
        """
        SELECT (SELECT count(*) FROM credit_job_run WHERE state = 'running'),
               (SELECT count(*) FROM ir_cron c
                 WHERE c.id = ANY(%(crons)s)
                   AND (c.lastcall IS NULL OR c.lastcall < %(started)s
                        OR c.nextcall <= now() at time zone 'UTC'
                        OR EXISTS (SELECT 1 FROM ir_cron_trigger t
                                    WHERE t.cron_id = c.id)))
        """,
        {"crons": crons, "started": started},
    )[0]
    return not running and not waiting


def run_jobs(pg, args, db, crons, seed=None, total=None):
    """Start the server, kill its cron worker ``args.kills`` times at random
    moments (not for the control run, seed None), wait until the jobs are done.
    :return: (seconds, records done, what was killed, server log)"""
    logfile = os.path.join(tempfile.gettempdir(), f"credit_kill_{db}.log")
    if os.path.exists(logfile):
        os.remove(logfile)
    started = pg.rows(db, "SELECT now() at time zone 'UTC' - interval '2 minutes'")[0][
        0
    ]
    server = Server(args.config, db, logfile, workers=2, cron_threads=1).wait_ready()
    kills = []
    rng = random.Random(seed)
    targets = (
        sorted(rng.uniform(0.02, 0.98) * total for _ in range(args.kills))
        if seed is not None
        else []
    )
    # Even seeds kill inside the collection run (its share of the records is
    # small and comes last: a share of the whole would seldom land in it), at a
    # random share of what that run has to do.
    in_collection = seed is not None and seed % 2 == 0
    collect_share = rng.uniform(0.0, 0.9)
    start = time.monotonic()
    last_notify = 0.0
    try:
        while True:
            now = time.monotonic()
            if now - start > args.timeout:
                raise SystemExit(f"{db}: the jobs did not finish in {args.timeout} s")
            if now - last_notify > 1.0:
                # The cron worker sleeps up to a minute between polls: wake it,
                # as a trigger does.
                # (LISTEN/NOTIFY are per database: the cron workers listen
                # on "postgres", as Odoo's own _notifydb notifies.)
                pg.rows("postgres", "SELECT pg_notify('cron_trigger', %s)", [db])
                last_notify = now
            done, _running = progress(pg, db)
            if in_collection and targets:
                collect = pg.rows(
                    db,
                    "SELECT coalesce(done_count, 0), coalesce(todo_count, 0) "
                    "FROM credit_job_run WHERE state = 'running' AND job = 'collect'",
                )
                due = bool(collect) and collect[0][0] >= collect_share * collect[0][1]
            else:
                due = bool(targets) and done >= targets[0]
            if due:
                time.sleep(rng.uniform(0.0, 0.3))
                pid = server.cron_worker_pid()
                if pid:
                    state = pg.rows(
                        db,
                        "SELECT job, done_count, todo_count FROM credit_job_run "
                        "WHERE state = 'running' ORDER BY id",
                    )
                    os.kill(pid, signal.SIGKILL)
                    kills.append((pid, int(done), state))
                    targets.pop(0)
            elif finished(pg, db, crons, started):
                break
            time.sleep(0.05)
        seconds = time.monotonic() - start
        done = progress(pg, db)[0]
    finally:
        server.stop()
    return seconds, int(done), kills, server.log()


def snapshot(pg, db, baseline):
    """What the jobs left, by SQL."""
    result = {}
    result["runs"] = pg.rows(
        db,
        "SELECT job, company_id, state, done_count, failed_count FROM credit_job_run "
        "ORDER BY job, company_id, id",
    )
    base = baseline["credit_review"]
    # The runs' bookkeeping against the work it counts: one review per
    # customer done by a re-rating run.
    result["run_counts"] = pg.rows(
        db,
        """
        SELECT r.id, r.job, coalesce(r.done_count, 0),
               (SELECT count(*) FROM credit_review rv WHERE rv.run_id = r.id)
          FROM credit_job_run r WHERE r.job IN ('rerate', 'rerate_event')
        """,
    )
    # Reviews of each run, per customer.
    result["review_counts"] = pg.rows(
        db,
        """
        SELECT r.job, r.company_id, rv.partner_id, count(*),
               bool_or(rv.date >= (SELECT min(p.date_start) FROM credit_job_run p
                                    WHERE p.job = 'rerate'
                                      AND p.company_id = r.company_id))
          FROM credit_review rv JOIN credit_job_run r ON r.id = rv.run_id
         WHERE rv.id > %s
         GROUP BY r.id, r.job, r.company_id, rv.partner_id
        """,
        [base],
    )
    result["event_same_day"] = pg.rows(
        db,
        "SELECT partner_id, company_id, date::date, count(*) FROM credit_review "
        "WHERE id > %s AND trigger = 'event' GROUP BY 1, 2, 3 HAVING count(*) > 1",
        [base],
    )
    result["duplicate_activities"] = pg.rows(
        db,
        """
        SELECT res_model, res_id, activity_type_id, user_id,
               credit_warning_code, count(*)
          FROM mail_activity
         WHERE active AND date_done IS NULL
         GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1
        """,
    )
    result["activities"] = sorted(
        pg.rows(
            db,
            "SELECT res_id, activity_type_id, user_id, credit_warning_code, summary "
            "FROM mail_activity "
            "WHERE id > %s AND res_model = 'res.partner' AND active",
            [baseline["mail_activity"]],
        )
    )
    result["duplicate_communications"] = pg.rows(
        db,
        """
        SELECT partner_id, company_id, level_id, count(*)
          FROM credit_collection_communication
         WHERE state != 'cancelled'
         GROUP BY 1, 2, 3 HAVING count(*) > 1
        """,
    )
    result["communications"] = sorted(
        pg.rows(
            db,
            "SELECT partner_id, level_id, state, status_to, hold_set, "
            "amount_overdue::text, (SELECT count(*) FROM "
            "credit_collection_communication_line l WHERE l.communication_id = c.id) "
            "FROM credit_collection_communication c WHERE id > %s",
            [baseline["credit_collection_communication"]],
        )
    )
    result["grade_changes"] = pg.rows(
        db,
        "SELECT count(*) FROM credit_review WHERE id > %s "
        "AND grade_before_id IS DISTINCT FROM grade_after_id",
        [base],
    )[0][0]
    result["grade_decisions"] = pg.rows(
        db,
        "SELECT count(*) FROM credit_decision WHERE id > %s AND kind = 'grade' "
        "AND source = 'review'",
        [baseline["credit_decision"]],
    )[0][0]
    result["orphan_decisions"] = pg.rows(
        db,
        """
        SELECT id, kind FROM credit_decision
         WHERE (kind = 'approval' AND approval_id IS NULL)
            OR (kind IN ('refusal', 'approval', 'shadow') AND order_id IS NULL)
        """,
    )
    result["collection_decisions"] = pg.rows(
        db,
        "SELECT partner_id, kind, collection_status_from, collection_status_to "
        "FROM credit_decision WHERE id > %s AND kind IN ('hold', 'release', "
        "'collection') ORDER BY partner_id, id",
        [baseline["credit_decision"]],
    )
    # Every customer's credit state (company-dependent values are jsonb per
    # company); moments left out (they differ from one run to the other).
    columns = [
        row[0]
        for row in pg.rows(
            db,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'res_partner' AND column_name LIKE 'credit%%' "
            "AND column_name NOT IN ('credit_score_date', 'credit_collection_date') "
            "ORDER BY column_name",
        )
    ]
    result["columns"] = columns
    result["partners"] = {
        row[0]: row[1:]
        for row in pg.rows(
            db,
            f"SELECT id, {', '.join(f'{c}::text' for c in columns)} FROM res_partner",
        )
    }
    return result


def check(result, control):
    return check_runs(result, control) + check_effects(result, control)


def check_runs(result, control):
    """The runs, their bookkeeping and the customers they rated."""
    problems = []
    runs_done = [(job, company) for job, company, state, _d, _f in result["runs"]]
    if any(state != "done" for _job, _c, state, _d, _f in result["runs"]):
        problems.append(f"runs not finished: {result['runs']}")
    expected_runs = [(job, company) for job, company, *_rest in control["runs"]]
    if sorted(runs_done) != sorted(expected_runs):
        problems.append(f"runs {runs_done} instead of {expected_runs}")
    for run_id, job, done, reviews in result["run_counts"]:
        if done != reviews:
            problems.append(f"{job} run {run_id}: {done} done, {reviews} reviews")
    rated = {}
    for job, company, partner, count, in_period in result["review_counts"]:
        if count > 1:
            problems.append(f"customer {partner}: {count} reviews of one {job} run")
        if job == "rerate" or in_period:
            rated[company, partner] = rated.get((company, partner), 0) + count
    twice = sorted(p for p, n in rated.items() if n != 1)
    if twice:
        problems.append(f"customers rated more than once in the period: {twice[:10]}")
    control_rated = {
        (company, p)
        for job, company, p, _n, in_period in control["review_counts"]
        if job == "rerate" or in_period
    }
    if set(rated) != control_rated:
        missing = sorted(control_rated - set(rated))[:10]
        extra = sorted(set(rated) - control_rated)[:10]
        problems.append(f"customers rated differ: missing {missing}, extra {extra}")
    return problems


def check_effects(result, control):
    """What the jobs did: activities, communications, decisions, customers."""
    problems = []
    for label in ("event_same_day", "duplicate_activities", "duplicate_communications"):
        if result[label]:
            problems.append(f"{label.replace('_', ' ')}: {result[label][:5]}")
    if result["orphan_decisions"]:
        problems.append(
            f"decisions without order/approval: {result['orphan_decisions']}"
        )
    if result["grade_changes"] != result["grade_decisions"]:
        problems.append(
            f"{result['grade_changes']} grade changes in reviews, "
            f"{result['grade_decisions']} grade decisions"
        )
    for label in ("communications", "activities", "collection_decisions"):
        if result[label] != control[label]:
            problems.append(
                f"{label}: {len(result[label])} rows, not the control run's "
                f"{len(control[label])} (first differences: "
                f"{sorted(set(result[label]) ^ set(control[label]))[:3]})"
            )
    differ = [
        (pid, column, value, control["partners"][pid][i])
        for pid, values in result["partners"].items()
        if pid in control["partners"]
        for i, (column, value) in enumerate(zip(result["columns"], values, strict=True))
        if value != control["partners"][pid][i]
    ]
    if differ:
        problems.append(
            f"{len(differ)} customer values differ from the control run: {differ[:5]}"
        )
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--from-db", required=True, help="credit_management installed")
    parser.add_argument("--db", default="credit_kill", help="prefix of the copies")
    parser.add_argument("--size", default="S", choices=("S", "M", "L"))
    parser.add_argument("--customers", type=int, help="overrides --size")
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--kills", type=int, default=1, help="kills per seed")
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the template of a kept run"
    )
    args = parser.parse_args()
    args.config = str(Path(args.config).resolve())
    pg = Pg(args.config)
    template = f"{args.db}_template"
    baseline, crons = prepare(pg, args, template)
    made = [template]
    failed = 0
    try:
        control_db = f"{args.db}_control"
        pg.copy(template, control_db)
        made.append(control_db)
        seconds, total, _kills, log = run_jobs(pg, args, control_db, crons)
        control = snapshot(pg, control_db, baseline)
        problems = check(control, control)
        problems += [f"server log: {line}" for line in bad_log_lines(log)[:5]]
        print(
            f"control run: {total} records in {seconds:.1f} s, runs {control['runs']}, "
            f"{len(control['communications'])} communications, "
            f"{len(control['activities'])} activities, "
            f"{control['grade_decisions']} grade decisions: "
            f"{'ok' if not problems else 'FAILED'}",
            flush=True,
        )
        for problem in problems:
            print(f"  {problem}", flush=True)
        if problems or not total:
            return 1
        for seed in [int(s) for s in args.seeds.split(",") if s]:
            db = f"{args.db}_{seed}"
            pg.copy(template, db)
            made.append(db)
            seconds, _done, kills, log = run_jobs(pg, args, db, crons, seed, total)
            result = snapshot(pg, db, baseline)
            problems = check(result, control)
            if len(kills) != args.kills:
                problems.append(f"{len(kills)} kills of {args.kills}: jobs done first")
            problems += [
                f"server log: {line}" for line in bad_log_lines(log, ALLOWED)[:5]
            ]
            respawned = len(re.findall(r"Worker WorkerCron \(\d+\) alive", log))
            print(
                f"seed {seed}: {'ok' if not problems else 'FAILED'}; killed "
                + "; ".join(
                    f"pid {pid} after {at} of {total} records (running: "
                    + ", ".join(f"{job} {d}/{t}" for job, d, t in state)
                    + ")"
                    for pid, at, state in kills
                )
                + f"; {respawned} cron workers started; done in {seconds:.1f} s",
                flush=True,
            )
            for problem in problems:
                print(f"  {problem}", flush=True)
            failed += bool(problems)
    finally:
        if not args.keep:
            for db in made:
                pg.drop(db)
    print(f"{len(args.seeds.split(',')) - failed} seeds passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
