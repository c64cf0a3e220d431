import logging
import zlib
from bisect import bisect_right
from datetime import timedelta

import psycopg2
from odoo import api, fields, models
from odoo.tools import SQL
from psycopg2 import errors as pg_errors
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

_logger = logging.getLogger(__name__)

# Errors that mean "somebody else is writing the same rows right now": the
# batch is undone and tried again at a later call, never recorded as a failure.
CONCURRENT_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
)

# A job that finds its company busy comes back after this delay.
BUSY_RETRY = timedelta(minutes=1)


# job code: (label, service model, lock name, cron xmlid)
CREDIT_JOBS = {
    "rerate": (
        "Periodic re-rating",
        "credit.rerate",
        "rating",
        "credit_management.ir_cron_credit_rerate",
    ),
    "rerate_event": (
        "Re-rating on new overdue invoices",
        "credit.rerate",
        "rating",
        "credit_management.ir_cron_credit_rerate_events",
    ),
    "collect": (
        "Collection run",
        "credit.collection.run",
        # It writes the customers' hold and status: one writer of a company's
        # customers at a time, with the re-ratings.
        "rating",
        "credit_management.ir_cron_credit_collection",
    ),
    "collect_send": (
        "Collection e-mails",
        "credit.collection.communication",
        "collection_send",
        "credit_management.ir_cron_credit_collection_send",
    ),
    "prediction": (
        "Payment prediction refit",
        "credit.prediction",
        "prediction",
        "credit_management.ir_cron_credit_prediction",
    ),
    "kpi_snapshot": (
        "Monthly KPI snapshot",
        "credit.kpi.snapshot",
        "kpi",
        "credit_management.ir_cron_credit_kpi_snapshot",
    ),
}


# Jobs whose batches are claimed row by row (``FOR NO KEY UPDATE SKIP LOCKED``) in
# READ COMMITTED transactions: several cron workers can work on one run, each on
# the customers it locked, and the two re-ratings share their company's lock. The
# other jobs keep REPEATABLE READ and hold their lock alone: the collection run
# writes records it does not claim (promises, activities), where a concurrent
# user's change must fail it (and make it try again) rather than be overwritten.
CLAIMING_JOBS = {"rerate", "rerate_event"}

# Jobs worked on by more than one cron worker: job code: cron xmlid of the
# helper, which joins a run in progress and never starts one. Every active copy
# of that scheduled action is one more worker.
HELPER_CRONS = {"rerate": "credit_management.ir_cron_credit_rerate_helper"}


# Ids a batch is looked for among, in batches (see _credit_run_batches).
BATCH_WINDOW = 4


def _listed_ids(domain):
    """The ids of ``domain``'s first term when it is ``("id", "in", ids)`` (a
    term of the conjunction of the whole domain), sorted; None otherwise."""
    if domain and isinstance(domain[0], (tuple, list)) and len(domain[0]) == 3:
        name, operator, value = domain[0]
        if name == "id" and operator == "in" and isinstance(value, (list, tuple)):
            return sorted(set(value))
    return None


def _within(domain, window):
    """``domain`` for the records of ``window`` only: ``("id", "in", window)``
    and every other id list of the domain cut down to the window. Exact: for a
    record of the window, being in a list and in its cut are the same."""
    keep = set(window)
    terms = [("id", "in", window)]
    for term in domain[1:]:
        if (
            isinstance(term, (tuple, list))
            and len(term) == 3
            and term[0] == "id"
            and term[1] in ("in", "not in")
            and isinstance(term[2], (list, tuple))
        ):
            term = (term[0], term[1], [i for i in term[2] if i in keep])
        terms.append(term)
    return terms


class CreditBusy(Exception):
    """Another job (or a user) holds the rows this batch would write."""


class CreditJobRun(models.Model):
    """One pass of a scheduled credit job over one company.

    Every scheduled credit job follows one pattern (``_credit_cron``):

    * a pass is a run record per company, created when the job finds no run of
      its own in progress; its bookkeeping (start, counters, state) lives on the
      run, never on the shared company row;
    * batches are claimed in order from what the run still has to do, each in
      its own committed transaction; the run is marked done in the transaction of
      its last batch, whatever ``_commit_progress`` answers, so a pass that
      outlasts the cron's time slice is resumed at the next call, not skipped;
    * jobs that write the same rows share a lock name: a batch first takes a
      transaction-level advisory lock on (lock name, company) and, when another
      job holds it, the run waits for a later call (the job, or its helper
      worker, is triggered a minute later) instead of failing on a
      serialization error;
    * one record that fails is rolled back alone, recorded on the run and
      reported to the credit manager; the run goes on;
    * the jobs of ``CLAIMING_JOBS`` claim each batch's records and may run on
      several cron workers at once (``HELPER_CRONS``): see
      ``_credit_begin_batch`` and ``_credit_claim``.

    A job is declared in ``CREDIT_JOBS`` by its service model, which implements
    ``_credit_job_start(job, company)``, ``_credit_job_domain(run)`` and
    ``_credit_job_process(run, records)``.
    """

    _name = "credit.job.run"
    _description = "Credit Scheduled Run"
    _order = "date_start desc, id desc"
    _rec_name = "job"

    job = fields.Selection(
        [(code, values[0]) for code, values in CREDIT_JOBS.items()],
        required=True,
        readonly=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="cascade"
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done")],
        default="running",
        required=True,
        readonly=True,
        index=True,
    )
    date_start = fields.Datetime(
        string="Started",
        required=True,
        readonly=True,
        help="Records handled before this moment are still to do in this run.",
    )
    date_end = fields.Datetime(string="Finished", readonly=True)
    date_from = fields.Date(
        string="Events Since",
        readonly=True,
        help="Event runs: the day after which new events are looked for.",
    )
    date_to = fields.Date(
        string="Events Until",
        readonly=True,
        help="Event runs: the day of the pass.",
    )
    run_ref = fields.Char(string="Reference", readonly=True, index=True)
    todo_count = fields.Integer(string="To Do", readonly=True)
    done_count = fields.Integer(string="Done", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    failure_ids = fields.One2many(
        "credit.job.failure", "run_id", string="Failures", readonly=True
    )

    _one_running_run = models.UniqueIndex(
        "(job, company_id) WHERE state = 'running'",
        "A scheduled credit job has one run in progress per company.",
    )

    @api.depends("job", "company_id", "date_start")
    def _compute_display_name(self):
        labels = dict(self._fields["job"].selection)
        for run in self:
            run.display_name = self.env._(
                "%(job)s, %(company)s, %(date)s",
                job=labels.get(run.job, ""),
                company=run.company_id.name or "",
                date=fields.Datetime.to_string(run.date_start) or "",
            )

    # ------------------------------------------------------------------
    # The scheduled pattern
    # ------------------------------------------------------------------
    @api.model
    def _credit_cron(self, job, company_ids=None, helper=False):
        """Run scheduled ``job`` (a key of ``CREDIT_JOBS``) for ``company_ids``
        (default: every company) until it is done or the cron's time is up.

        :param helper: called by a helper worker of the job (``HELPER_CRONS``):
            work on the runs in progress only, never start a pass
        """
        Cron = self.env["ir.cron"]
        runs = self._credit_runs(job, company_ids, start=not helper)
        if runs and not helper:
            # The other workers of the job join the runs now.
            for helper_cron in self._credit_helpers(job):
                helper_cron._trigger()
        left = {run.id: max(run.todo_count - run.done_count, 0) for run in runs}
        busy = self.browse()
        for run in runs:
            finished, time_left = run._credit_run_batches(left)
            if not finished and time_left is None:
                busy |= run
                left.pop(run.id)
            elif not finished or (not time_left and run != runs[-1]):
                return  # out of time: the cron calls again (remaining > 0)
        if busy:
            busy._credit_retrigger()
        # What is left belongs to busy runs: they come back through their trigger,
        # so this call reports itself complete instead of looping on them.
        Cron._commit_progress(0, remaining=sum(left.values()))

    @api.model
    def _credit_helpers(self, job):
        """The active helper workers of ``job`` (as superuser: triggering them is
        the job's bookkeeping): the scheduled actions running the code of its
        helper cron (the one shipped and the copies an administrator made of
        it)."""
        if job not in HELPER_CRONS:
            return self.env["ir.cron"]
        helper = self.env.ref(HELPER_CRONS[job], raise_if_not_found=False)
        if not helper:
            return self.env["ir.cron"]
        Cron = self.env["ir.cron"].sudo()
        return Cron.search([("code", "=", helper.sudo().code), ("active", "=", True)])

    @api.model
    def _credit_runs(self, job, company_ids=None, start=True):
        """The runs of ``job`` to work on: those in progress or, when none is
        and ``start``, a new pass over every company (committed before the
        first batch)."""
        domain = [("job", "=", job), ("state", "=", "running")]
        if company_ids:
            domain.append(("company_id", "in", company_ids))
        runs = self.search(domain, order="company_id, id")
        if runs or not start:
            return runs
        service = self.env[CREDIT_JOBS[job][1]]
        companies = self.env["res.company"].search(
            [("id", "in", company_ids)] if company_ids else [], order="id"
        )
        values = []
        for company in companies:
            # One company that cannot start (a missing exchange rate for its
            # figures) leaves the others to their pass; it is retried at the
            # next call.
            try:
                with self.env.cr.savepoint():
                    start = service.with_company(company)._credit_job_start(
                        job, company
                    )
            except psycopg2.Error:
                raise  # the database's (a serialization failure): Odoo retries
            except Exception:
                _logger.exception(
                    "credit job %s: %s could not start; the other companies go on",
                    job,
                    company.name,
                )
                continue
            if start is not None:
                values.append(dict(start, job=job, company_id=company.id))
        # sudo: a run is the job's bookkeeping, written whoever starts the job;
        # users only read it.
        runs = self.sudo().create(values).sudo(False)
        for run in runs.sudo():
            run.todo_count = run._credit_count()
        self.env["ir.cron"]._commit_progress(
            0, remaining=sum(runs.mapped("todo_count"))
        )
        return runs

    def _credit_service(self):
        self.ensure_one()
        return self.env[CREDIT_JOBS[self.job][1]].with_company(self.company_id)

    def _credit_domain(self, base=None):
        """What the run still has to do, failures of this run left out.

        :param base: the service's domain, when already computed in this call
            (it may cost a query over the company's ledger)
        """
        self.ensure_one()
        domain = base or self._credit_service()._credit_job_domain(self)
        failed = self.failure_ids.mapped("res_id")
        return domain + [("id", "not in", failed)] if failed else domain

    def _credit_count(self):
        self.ensure_one()
        service = self._credit_service()
        return service.env[service._credit_job_model].search_count(
            self._credit_domain()
        )

    def _credit_lock_sql(self):
        """Transaction-level advisory lock of the run's company for its lock
        name: released by the batch's commit, taken again by the next batch.
        Jobs that claim their rows (``CLAIMING_JOBS``) and share the lock take it
        in shared mode: their workers run side by side, each on the rows it
        locked; the others take it alone."""
        self.ensure_one()
        key = zlib.crc32(f"credit_management.{CREDIT_JOBS[self.job][2]}".encode())
        function = (
            "pg_try_advisory_xact_lock_shared"
            if self.job in CLAIMING_JOBS
            else "pg_try_advisory_xact_lock"
        )
        return SQL(
            "SELECT %s(%s, %s)",
            SQL.identifier(function),
            key & 0x7FFFFFFF,
            self.company_id.id,
        )

    def _credit_begin_batch(self):
        """First statement of a batch of a claiming job, when the batch starts a
        transaction (always in a scheduled run: the previous batch committed):
        READ COMMITTED. Each statement then sees what was committed before it,
        so a batch starting just after another worker (or job) released the lock
        sees its writes instead of failing on them with a serialization error,
        and a customer that another worker rated while this one was claiming is
        checked again on its new version and left out. The customers a batch
        rates are locked by its claim, before anything is read of them: no
        write of another transaction on them can be lost. What READ COMMITTED
        gives up: two queries of one batch may see different moments (an
        invoice posted between the exposure's queries), which the next
        re-rating corrects. Inside an open transaction (tests, a call from
        code) nothing changes."""
        cnx = getattr(self.env.cr, "_cnx", None)
        if cnx is not None and cnx.get_transaction_status() == TRANSACTION_STATUS_IDLE:
            self.env.cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")

    def _credit_claim(self, Model, domain, size):
        """Lock and return up to ``size`` records of ``domain`` that no other
        transaction holds (in id order): the batch of this worker. Records
        another worker is processing are skipped, not waited for."""
        table = SQL.identifier(Model._table)
        query = Model._search(domain, order="id", limit=size)
        rows = self.env.execute_query(
            SQL(
                "%s FOR NO KEY UPDATE OF %s SKIP LOCKED",
                query.select(SQL.identifier(Model._table, "id")),
                table,
            )
        )
        return Model.browse([row[0] for row in rows])

    def _credit_next_batch(self, Model, domain, listed, after, size, claiming):
        """The next batch of this call: up to ``size`` records of ``domain``
        after the id ``after``, looked for among the next ids of ``listed``
        (see _credit_run_batches) when the domain lists them; claimed
        (locked, others' locks skipped) for a claiming job.

        :return: (batch, the new ``after``, whether the batch reached the end
            of the ids); batch None when a window had nothing to take
        """
        if listed:
            start = bisect_right(listed, after)
            window = listed[start : start + BATCH_WINDOW * size]
            last = start + len(window) >= len(listed)
            scoped = _within(domain, window)
        else:
            window, last = [], True
            scoped = [*domain, ("id", ">", after)]
        if claiming:
            batch = self._credit_claim(Model, scoped, size)
        else:
            batch = Model.search(scoped, limit=size, order="id")
        if len(batch) == size:
            return batch, max(batch.ids), last
        if not last:
            # nothing more to take in this window: the next one
            return batch or None, window[-1], last
        after = max([after, *window, *batch.ids])
        if claiming:
            # Past the last id: records behind it still to do (given back by
            # another worker's undone batch, or held by one when this worker
            # passed them).
            batch |= self._credit_claim(
                Model, [*domain, ("id", "not in", batch.ids)], size - len(batch)
            )
        return batch, after, last

    def _credit_run_batches(self, left):
        """Process this run batch by batch.

        :param left: {run id: records left}, updated; summed for the progress
        :return: (finished, time left); time left is None when the company is
            busy (another job holds its lock, or another worker holds every
            record left)
        """
        self.ensure_one()
        Cron = self.env["ir.cron"]
        service = self._credit_service()
        Model = service.env[service._credit_job_model]
        size = self.company_id.credit_rerate_batch_size
        claiming = self.job in CLAIMING_JOBS
        lock = self._credit_lock_sql()
        base = None
        # Batches go in id order, each after the highest id this call took
        # (``after``): without it, each batch read again every record before
        # it. The job's domain is computed once per call; a domain that lists
        # what is done (the KPI snapshot: customers without a row for the
        # month) then kept a batch's records in it, and the job took the same
        # first batch until its time ran out; the re-rating's claim scanned the
        # customers rated before reaching the next ones (O(n²) in customers:
        # about 70 s of a 230 s pass at 100,000, bench/ANALYSIS.md).
        after = 0
        # The ids the job's domain lists, in order, when it starts with such a
        # list (the re-ratings' candidates, the collection's customers past
        # due): each batch is then looked for among the next few of them only
        # (a window), the list cut down to the window. With the whole list in
        # each query (100,000 ids), PostgreSQL took 30 ms to plan it and
        # scanned the table for every batch.
        listed = None
        # Records left: counted at the first batch and when the last window
        # comes short, else the last count less the batch (a count reads every
        # record of the domain).
        estimate = None
        if claiming:
            # Each batch starts a transaction of its own (READ COMMITTED, see
            # _credit_begin_batch): end the one of the reads above.
            Cron._commit_progress(0)
        while True:
            if claiming:
                self._credit_begin_batch()
            if not self.env.execute_query(lock)[0][0]:
                return False, None
            base = base or service._credit_job_domain(self)
            domain = self._credit_domain(base)
            if listed is None:
                listed = _listed_ids(domain)
            # Records behind ``after`` are done or failed (left out), or, for
            # a claiming job, were held by another worker (taken back at the
            # end, see _credit_next_batch).
            rest = domain if claiming else [*domain, ("id", ">", after)]
            batch, after, last = self._credit_next_batch(
                Model, domain, listed, after, size, claiming
            )
            if batch is None:
                continue  # nothing more to take in this window
            if estimate is None or (last and len(batch) < size):
                todo = Model.search_count(rest) - len(batch)
            else:
                todo = max(estimate - len(batch), 1)
            estimate = todo
            if claiming and not batch and todo:
                # Every record left is locked by another transaction: a worker of
                # this run, which closes the run when it finds nothing left, the
                # other re-rating or a user. Called back later (through a helper
                # worker, see _credit_retrigger) in case nobody closes it.
                return False, None
            try:
                failed = self._credit_process(service, batch) if batch else 0
            except CreditBusy:
                # Undo the whole batch (records done one by one before the
                # conflict included): counted and committed only together.
                self.env.cr.rollback()
                return False, None
            self._credit_count_batch(len(batch) - failed, failed, finished=not todo)
            left[self.id] = todo
            time_left = Cron._commit_progress(len(batch), remaining=sum(left.values()))
            self.env.invalidate_all()  # keep memory flat between batches
            if not todo:
                return True, time_left
            if not time_left:
                return False, time_left

    def _credit_count_batch(self, done, failed, finished):
        """Add a batch to the run's counters, in the batch's transaction, and
        close the run when nothing is left. Workers of one run add to the same
        row: an increment in SQL, which under READ COMMITTED waits for the other
        worker's commit and adds to its figures instead of failing."""
        self.ensure_one()
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
            UPDATE credit_job_run
               SET done_count = COALESCE(done_count, 0) + %(done)s,
                   failed_count = COALESCE(failed_count, 0) + %(failed)s,
                   state = CASE WHEN %(finished)s THEN 'done' ELSE state END,
                   date_end = CASE WHEN %(finished)s AND state = 'running'
                                   THEN %(now)s ELSE date_end END,
                   write_date = %(now)s,
                   write_uid = %(uid)s
             WHERE id = %(id)s
                """,
                done=done,
                failed=failed,
                finished=finished,
                now=fields.Datetime.now(),
                uid=self.env.uid,
                id=self.id,
            )
        )
        self.invalidate_recordset(
            [
                "done_count",
                "failed_count",
                "state",
                "date_end",
                "write_date",
                "write_uid",
            ]
        )

    def _credit_process(self, service, batch):
        """Process ``batch`` in a savepoint; when it fails, each record alone, so
        that one bad record is the only one undone. :return: failures"""
        try:
            with self.env.cr.savepoint():
                service._credit_job_process(self, batch)
            return 0
        except CONCURRENT_ERRORS as error:
            raise CreditBusy() from error
        except Exception:  # noqa: BLE001 - isolated below, record by record
            _logger.info("credit job %s: batch failed, retried record by record", self)
        failures = []
        for record in batch:
            try:
                with self.env.cr.savepoint():
                    service._credit_job_process(self, record)
            except CONCURRENT_ERRORS as error:
                raise CreditBusy() from error
            except Exception as error:
                _logger.warning(
                    "credit job %s: %s %s failed",
                    self,
                    record._name,
                    record.id,
                    exc_info=True,
                )
                failures.append(
                    {
                        "run_id": self.id,
                        "res_model": record._name,
                        "res_id": record.id,
                        "message": str(error) or type(error).__name__,
                    }
                )
        if failures:
            # sudo: bookkeeping of the run, see _credit_runs
            self.env["credit.job.failure"].sudo().create(failures)._credit_notify()
        return len(failures)

    def _credit_retrigger(self):
        """Call the jobs of these (busy) runs again a little later: through a
        helper worker when the job has one (a helper only finishes runs in
        progress; the main job, called when this run has been finished by
        another worker meanwhile, would start a new pass)."""
        now = fields.Datetime.now()
        for job in set(self.mapped("job")):
            crons = self._credit_helpers(job)[:1]
            if not crons:
                crons = self.env.ref(CREDIT_JOBS[job][3], raise_if_not_found=False)
            if crons:
                crons.sudo()._trigger(now + BUSY_RETRY)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_failures(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Failures"),
            "res_model": "credit.job.failure",
            "view_mode": "list,form",
            "domain": [("run_id", "=", self.id)],
        }
