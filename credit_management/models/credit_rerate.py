from datetime import datetime, time, timedelta

import pytz
from odoo import api, fields, models
from odoo.tools import SQL


class CreditRerate(models.AbstractModel):
    """The two scheduled re-ratings, run by ``credit.job.run._credit_cron``: the
    periodic pass over every customer and the daily pass over customers with an
    invoice newly overdue. They share the "rating" lock: on one company, one of
    them writes at a time."""

    _name = "credit.rerate"
    _description = "Credit Re-rating Jobs"

    @api.model
    def _credit_candidates_domain(self):
        """Customers of the current company: commercial partners with a posted
        customer invoice or a confirmed sale order in it (one query)."""
        company_ids = self.env["credit.exposure"]._credit_company_ids()
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "company_id", "move_type", "state"]
        )
        self.env["sale.order"].flush_model(["company_id", "partner_id", "state"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT am.commercial_partner_id
              FROM account_move am
             WHERE am.move_type IN ('out_invoice', 'out_refund')
               AND am.state = 'posted'
               AND am.company_id = ANY(%(company_ids)s)
             UNION
            SELECT p.commercial_partner_id
              FROM sale_order so
              JOIN res_partner p ON p.id = so.partner_id
             WHERE so.state = 'sale'
               AND so.company_id = ANY(%(company_ids)s)
                """,
                company_ids=company_ids,
            )
        )
        return [("id", "in", [row[0] for row in rows])]

    _credit_job_model = "res.partner"

    @api.model
    def _credit_job_start(self, job, company):
        """Values of a new run of ``job`` for ``company``; None: nothing to do."""
        now = fields.Datetime.now()
        if job == "rerate":
            if self._credit_period_started(company):
                return None  # this period's pass is done (by a helper worker)
            return {"date_start": now, "run_ref": fields.Datetime.to_string(now)}
        today = fields.Date.context_today(self)
        previous = self.env["credit.job.run"].search(
            [
                ("job", "=", job),
                ("company_id", "=", company.id),
                ("state", "=", "done"),
            ],
            order="date_to desc, id desc",
            limit=1,
        )
        if previous.date_to and previous.date_to >= today:
            return None  # today's pass is done
        return {
            "date_start": now,
            "date_from": previous.date_to or today - timedelta(days=1),
            "date_to": today,
            "run_ref": "event " + fields.Date.to_string(today),
        }

    @api.model
    def _credit_period_started(self, company):
        """Whether the scheduled action calling the periodic job (Odoo passes
        its ``lastcall``, the end of its previous complete call, in the
        context) already started a pass for ``company`` in this period. It did
        when a run began after that previous complete call: the scheduler calls
        the job again while its last call had work left (``_commit_progress``
        with ``remaining``), and a helper worker may have finished the run in the
        meantime; that call must not start a second pass. Outside the scheduler
        (no ``lastcall`` in the context) a call starts a pass."""
        if "lastcall" not in self.env.context:
            return False
        domain = [("job", "=", "rerate"), ("company_id", "=", company.id)]
        lastcall = self.env.context["lastcall"]
        if lastcall:
            # Strictly after: Odoo writes ``lastcall`` as the start of the
            # complete call's last transaction, to the second, and a run
            # started by that very call (a small company's pass takes less
            # than a second) has the same second; with ">=" it was taken for
            # this period's, and the next period's pass was skipped.
            domain.append(("date_start", ">", lastcall))
        return bool(self.env["credit.job.run"].search_count(domain, limit=1))

    @api.model
    def _credit_job_domain(self, run):
        """Customers ``run`` still has to rate: candidates not rated since the
        run started (periodic) or since the start of its day (events)."""
        if run.job == "rerate":
            return self._credit_candidates_domain() + [
                "|",
                ("credit_score_date", "=", False),
                ("credit_score_date", "<", run.date_start),
            ]
        days = run.company_id.credit_warn_overdue_days
        since, today = run.date_from, run.date_to
        # Items that fell due since the previous pass, or crossed the warning
        # days overdue since then.
        partner_ids = self.env["credit.exposure"]._credit_partner_ids_due_in(
            [
                (since, today),
                (since - timedelta(days=days), today - timedelta(days=days)),
            ]
        )
        # New credit information (ratings, statements) since the previous pass.
        partner_ids += self._credit_partner_ids_informed_since(
            self._credit_day_start(since)
        )
        return [
            ("id", "in", partner_ids),
            "|",
            ("credit_score_date", "=", False),
            ("credit_score_date", "<", self._credit_day_start(today)),
        ]

    @api.model
    def _credit_day_start(self, day):
        """The first moment of ``day`` (a date of the user's time zone, as the
        pass's days are) as a UTC datetime, the way datetimes are stored: the
        start of the day in UTC is another moment east or west of Greenwich, and
        a customer rated after midnight UTC but before the local midnight was
        taken for not rated today (the pass then rated it forever)."""
        local = self.env.tz.localize(datetime.combine(day, time.min))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _credit_partner_ids_informed_since(self, since):
        """Customers of the current company with a rating or a financial
        statement recorded since ``since``."""
        self.env["credit.rating"].flush_model(["partner_id", "company_id"])
        self.env["credit.statement"].flush_model(["partner_id", "company_id"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT partner_id FROM credit_rating
             WHERE company_id = %(company_id)s AND create_date >= %(since)s
             UNION
            SELECT partner_id FROM credit_statement
             WHERE company_id = %(company_id)s AND create_date >= %(since)s
                """,
                company_id=self.env.company.id,
                since=since,
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _credit_job_process(self, run, partners):
        trigger = "scheduled" if run.job == "rerate" else "event"
        self.env["credit.scoring"]._credit_rate(
            partners, trigger, run_ref=run.run_ref, run=run
        )

    @api.model
    def _cron_rerate(self, company_ids=None):
        """Periodic re-rating of every customer, in committed batches.

        :param company_ids: restrict the run to these companies (default: all)
        """
        self.env["credit.job.run"]._credit_cron("rerate", company_ids)

    @api.model
    def _cron_rerate_helper(self, company_ids=None):
        """A second worker of the periodic re-rating: joins the run in progress
        and rates batches that no other worker holds (each batch claims its
        customers with ``FOR NO KEY UPDATE SKIP LOCKED``); never starts a pass.
        The periodic job calls its helpers when it starts or resumes a run;
        every active copy of this scheduled action is one more worker (on this
        server's cron threads or on another server's)."""
        self.env["credit.job.run"]._credit_cron("rerate", company_ids, helper=True)

    @api.model
    def _cron_rerate_events(self, company_ids=None):
        """Daily light pass: re-rate customers with an invoice that fell overdue,
        or crossed the warning days overdue, or with a new rating or financial
        statement, since the previous pass."""
        self.env["credit.job.run"]._credit_cron("rerate_event", company_ids)
