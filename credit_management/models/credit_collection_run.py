from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

from .credit_collection_communication import COMMUNICATION_STATE
from .credit_collection_policy import COLLECTION_HOLD_STATUSES
from .res_partner import CreditLimitBy


class CreditCollectionRun(models.AbstractModel):
    """The collection run, for the scheduled job "collect" (one pass a day per
    company, in committed batches, see credit.job.run) and the manual run of
    the collection wizard: per customer, the highest level its overdue items
    reached and whether it has anything new to say at it, promises kept or
    broken, the collection status and the hold that follow.

    ``_credit_collection_plan`` decides (set-based, writes nothing: the wizard
    previews it); ``_credit_collection_apply`` does it.
    """

    _name = "credit.collection.run"
    _description = "Collection Run"

    _credit_job_model = "res.partner"

    # ------------------------------------------------------------------
    # The scheduled job
    # ------------------------------------------------------------------
    @api.model
    def _credit_job_start(self, job, company):
        if (
            not company.credit_control_enabled
            or not company.credit_collection_policy_id
        ):
            return None
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
            return None  # today's run is done
        now = fields.Datetime.now()
        return {
            "date_start": now,
            "date_to": today,
            "run_ref": "collect " + fields.Date.to_string(today),
        }

    @api.model
    def _credit_job_domain(self, run):
        return [
            ("id", "in", self._credit_collection_candidate_ids(run.date_to)),
            "|",
            ("credit_collection_date", "=", False),
            ("credit_collection_date", "<", run.date_start),
        ]

    @api.model
    def _credit_job_process(self, run, partners):
        plan = self._credit_collection_plan(partners, run.date_to)
        self._credit_collection_apply(plan, run.date_to, run=run)
        partners.sudo().write({"credit_collection_date": fields.Datetime.now()})

    @api.model
    def _cron_collect(self, company_ids=None):
        """Daily collection run of every company with a collection policy."""
        self.env["credit.job.run"]._credit_cron("collect", company_ids)
        cron = self.env.ref(
            "credit_management.ir_cron_credit_collection_send", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()

    # ------------------------------------------------------------------
    # Deciding
    # ------------------------------------------------------------------
    @api.model
    def _credit_collection_candidate_ids(self, date):
        """Customers of the current company the run looks at: those with an
        item past due, an open promise, or a collection status to bring back
        (one query)."""
        exposure = self.env["credit.exposure"]
        company = self.env.company
        self.env["credit.collection.promise"].flush_model(
            ["partner_id", "company_id", "state"]
        )
        self.env["res.partner"].flush_model(["credit_collection_status"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT p.commercial_partner_id
              %(open_items)s
               AND aml.amount_residual > 0
               AND aml.date_maturity < %(date)s
             UNION
            SELECT partner_id FROM credit_collection_promise
             WHERE state = 'open' AND company_id = %(company_id)s
             UNION
            SELECT id FROM res_partner
             WHERE credit_collection_status ->> %(company_key)s
                   NOT IN ('normal', 'null')
                """,
                open_items=exposure._credit_open_receivables_sql(
                    exposure._credit_company_ids(),
                    join=SQL("JOIN res_partner p ON p.id = aml.partner_id"),
                ),
                date=date,
                company_id=company.id,
                company_key=str(company.id),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _credit_collection_plan(self, partners, date):
        """What the collections would do today for commercial ``partners`` of the
        current company, without doing it: a list of dicts, one per customer
        with something to do (see ``_credit_collection_apply``)."""
        company = self.env.company
        partners = partners.with_company(company).filtered(
            lambda p: not p.credit_collection_excluded
        )
        if not partners:
            return []
        items, open_totals = self.env["credit.exposure"]._credit_overdue_items(
            partners.ids, date
        )
        by_partner = defaultdict(list)
        for line_id, partner_id, due, amount in items:
            by_partner[partner_id].append((line_id, (date - due).days, amount))
        said = self._credit_collection_said(partners)
        promises = self.env["credit.collection.promise"].search(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", company.id),
                ("state", "=", "open"),
            ]
        )
        received = self.env["credit.exposure"]._credit_received(
            [
                (promise.id, promise.partner_id.id, promise.date, promise.date_promised)
                for promise in promises
            ]
        )
        promise_of = {promise.partner_id.id: promise for promise in promises}
        default_policy = company.credit_collection_policy_id
        levels_of = {}
        plan = []
        for partner in partners:
            policy = partner.credit_collection_policy_id or default_policy
            if policy not in levels_of:
                levels_of[policy] = policy._credit_levels() if policy.active else None
            levels = levels_of[policy]
            if levels is None:
                continue
            entry = self._credit_collection_decide(
                partner,
                levels,
                by_partner.get(partner.id, []),
                open_totals.get(partner.id, 0.0),
                said.get(partner.id, {}),
                promise_of.get(partner.id),
                received,
                date,
            )
            if entry:
                plan.append(entry)
        return plan

    @api.model
    def _credit_collection_said(self, partners):
        """{partner id: {move line id: days of the highest level it was spoken
        of at}} (communications not cancelled)."""
        self.env["credit.collection.communication"].flush_model(
            ["partner_id", "state", "company_id"]
        )
        self.env["credit.collection.communication.line"].flush_model(
            ["communication_id", "move_line_id", "level_id"]
        )
        self.env["credit.collection.level"].flush_model(["days"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT c.partner_id, l.move_line_id, MAX(lv.days)
              FROM credit_collection_communication c
              JOIN credit_collection_communication_line l
                ON l.communication_id = c.id
              JOIN credit_collection_level lv ON lv.id = l.level_id
             WHERE c.partner_id = ANY(%s) AND c.company_id = %s
               AND c.state != 'cancelled'
             GROUP BY c.partner_id, l.move_line_id
                """,
                partners.ids,
                self.env.company.id,
            )
        )
        said = defaultdict(dict)
        for partner_id, line_id, days in rows:
            said[partner_id][line_id] = days
        return said

    @api.model
    def _credit_collection_decide(
        self, partner, levels, items, open_total, said, promise, received, date
    ):
        """The plan for one customer (a dict), or None when nothing changes."""
        currency = self.env.company.currency_id
        status = partner.credit_collection_status or "normal"
        entry = {
            "partner": partner,
            "policy": levels[:1].policy_id,
            "level": None,
            "lines": [],
            "amount": 0.0,
            "max_days": 0,
            "status": status,
            "hold": None,
            "promise": promise,
            "promise_state": None,
            "promise_received": 0.0,
        }
        paused = False
        if promise:
            got = received.get(promise.id, 0.0)
            entry["promise_received"] = got
            if currency.compare_amounts(got, promise.amount) >= 0 or not items:
                entry["promise_state"] = "kept"
            elif promise.date_promised < date:
                entry["promise_state"] = "broken"
            else:
                paused = True
        # The levels reached: those whose days the items reach, for at least
        # their minimum amount; each item is at the highest of them it reaches.
        reached = self._credit_collection_reached(levels, items)
        lines = []
        for line_id, days, amount in items:
            at = [level for level in reached if days >= level.days]
            if at:
                lines.append((line_id, at[-1], days, amount))
        # One communication, at the customer's level, about every item with a
        # level, when one of them reached a level higher than any it was spoken
        # of at: a second run the same day says nothing, an item is spoken of
        # again only at a higher level.
        if not paused and any(
            level.days > said.get(line_id, 0) for line_id, level, __, __ in lines
        ):
            entry.update(
                level=reached[-1],
                lines=lines,
                amount=sum(amount for __, __, __, amount in lines),
                max_days=max(days for __, __, days, __ in lines),
            )
        new_status = self._credit_collection_status(status, paused, reached, open_total)
        entry["status"] = new_status
        hold_level = self._credit_collection_hold_level(reached)
        hold_needed = new_status in COLLECTION_HOLD_STATUSES or bool(hold_level)
        reason = hold_needed and self._credit_collection_hold_reason(
            new_status, hold_level
        )
        entry["hold_reason"] = reason
        if hold_needed and not partner.credit_hold:
            entry["hold"] = True
        elif partner.credit_hold and partner.credit_hold_by_collection:
            if not hold_needed:
                entry["hold"] = False
            elif partner.credit_hold_reason != reason:
                entry["hold"] = True  # the reason changed (a level, legal)
        if (
            entry["level"] is None
            and new_status == status
            and entry["hold"] is None
            and entry["promise_state"] is None
        ):
            return None
        return entry

    @api.model
    def _credit_collection_status(self, status, paused, reached, open_total):
        """The collection status after the run: legal collection ends when
        everything is paid, a write-off only by hand; otherwise the present says
        it (a promise running, the highest level reached, or nothing)."""
        if status == "written_off":
            return status
        if status == "legal":
            currency = self.env.company.currency_id
            return (
                "normal" if currency.compare_amounts(open_total, 0.0) <= 0 else status
            )
        if paused:
            return "payment_plan"
        if reached:
            return reached[-1].collection_status
        return "normal"

    # ------------------------------------------------------------------
    # Doing
    # ------------------------------------------------------------------
    @api.model
    def _credit_collection_apply(self, plan, date, run=None):
        """Do what ``plan`` says: communications (e-mails to send, letters to
        print, calls), promises kept or broken, statuses and holds.

        :return: the communications created
        """
        company = self.env.company
        by = CreditLimitBy(self)
        Communication = self.env["credit.collection.communication"]
        values = []
        for entry in plan:
            level = entry["level"]
            if not level:
                continue
            values.append(
                {
                    "partner_id": entry["partner"].id,
                    "company_id": company.id,
                    "policy_id": level.policy_id.id,
                    "level_id": level.id,
                    "date": date,
                    "user_id": self.env.uid,
                    "run_id": run.id if run else False,
                    "line_ids": [
                        Command.create(
                            {
                                "move_line_id": line_id,
                                "level_id": line_level.id,
                                "days_overdue": days,
                                "amount": amount,
                                "date_maturity": date - timedelta(days=days),
                            }
                        )
                        for line_id, line_level, days, amount in entry["lines"]
                    ],
                    "amount_overdue": entry["amount"],
                    "max_days_overdue": entry["max_days"],
                    "status_to": entry["status"],
                    "email_state": "to_send" if level.send_email else "none",
                    "letter_state": "to_print" if level.print_letter else "none",
                    "hold_set": entry["hold"] is True,
                }
            )
        # sudo: the run's record of what it did, whoever runs it (a credit user
        # from the wizard, the scheduler)
        # (no creation message per communication: the record is the log)
        communications = (
            Communication.sudo()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
            .create(values)
            .sudo(False)
            .with_context(mail_create_nolog=False, mail_create_nosubscribe=False)
        )
        self._credit_collection_calls(communications.filtered("level_id.schedule_call"))
        # Promises
        for entry in plan:
            if entry["promise_state"]:
                promise = entry["promise"]
                promise.sudo()._credit_close(
                    entry["promise_state"], entry["promise_received"]
                )
                if entry["promise_state"] == "broken":
                    self._credit_collection_broken(promise)
        # Statuses, then holds (grouped by value: one write each)
        groups = defaultdict(list)
        for entry in plan:
            partner = entry["partner"]
            if entry["status"] != (partner.credit_collection_status or "normal"):
                groups["status", entry["status"]].append(partner.id)
            if entry["hold"] is not None:
                groups["hold", entry["hold"], entry["hold_reason"]].append(partner.id)
        Partner = (
            self.env["res.partner"]
            .sudo()
            .with_context(credit_limit_by=by, credit_collection_run=True)
        )
        for key, partner_ids in groups.items():
            if key[0] == "status":
                Partner.browse(partner_ids).write({"credit_collection_status": key[1]})
        for key, partner_ids in groups.items():
            if key[0] != "hold":
                continue
            __, hold, reason = key
            if hold:
                Partner.browse(partner_ids).write(
                    {
                        "credit_hold": True,
                        "credit_hold_reason": reason,
                        "credit_hold_by_collection": True,
                    }
                )
            else:
                Partner.browse(partner_ids).write(
                    {
                        "credit_hold": False,
                        "credit_hold_reason": False,
                        "credit_hold_by_collection": False,
                    }
                )
        return communications

    @api.model
    def _credit_collection_hold_level(self, reached):
        """The highest of the ``reached`` levels that puts the customer on hold
        (an empty recordset when none does)."""
        holding = [level for level in reached if level.put_on_hold]
        return holding[-1] if holding else self.env["credit.collection.level"]

    @api.model
    def _credit_collection_level_holds(self, partners, date):
        """{partner id: level} for those of ``partners`` (commercial, current
        company) whose overdue items reach a level that puts them on hold."""
        company = self.env.company
        items, __ = self.env["credit.exposure"]._credit_overdue_items(
            partners.ids, date
        )
        by_partner = defaultdict(list)
        for __, partner_id, due, amount in items:
            by_partner[partner_id].append(((date - due).days, amount))
        result = {}
        for partner in partners.with_company(company):
            policy = (
                partner.credit_collection_policy_id
                or company.credit_collection_policy_id
            )
            if not policy.active or partner.credit_collection_excluded:
                continue
            reached = self._credit_collection_reached(
                policy._credit_levels(),
                [(None, days, amount) for days, amount in by_partner[partner.id]],
            )
            level = self._credit_collection_hold_level(reached)
            if level:
                result[partner.id] = level
        return result

    @api.model
    def _credit_collection_reached(self, levels, items):
        """The ``levels`` (in order) the ``items`` ((line id, days past due,
        open amount)) reach, each for at least its minimum amount."""
        currency = self.env.company.currency_id
        reached = []
        for level in levels:
            amount = sum(amount for __, days, amount in items if days >= level.days)
            if amount > 0 and currency.compare_amounts(amount, level.min_amount) >= 0:
                reached.append(level)
        return reached

    @api.model
    def _credit_collection_hold_reason(self, status, level):
        if status in COLLECTION_HOLD_STATUSES:
            labels = dict(
                self.env["res.partner"]
                ._fields["credit_collection_status"]
                ._description_selection(self.env)
            )
            return self.env._("collection status %(status)s", status=labels[status])
        return self.env._(
            "overdue invoices reached the collection level %(level)s", level=level.name
        )

    @api.model
    def _credit_collection_collector(self, partner, policy, manager=None):
        """Who calls the customer and hears of its broken promises.

        :param manager: the company's credit manager, when already looked up
        """
        return (
            policy.user_id
            or partner.user_id
            or manager
            or self.env.company._credit_manager_user()
        )

    @api.model
    def _credit_collection_calls(self, communications):
        """A call activity on each customer for its collector, never two open
        for the same customer and collector (one search, one create; the
        collector sees them in his activities, not in one e-mail each)."""
        if not communications:
            return
        activity_type = self.env.ref(
            "credit_management.mail_activity_type_credit_collection_call"
        )
        # sudo: the calls are for the collectors, whoever runs the collections
        Activity = (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
        )
        existing = {
            (activity.res_id, activity.user_id.id): activity
            for activity in Activity.search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", communications.partner_id.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
        }
        model_id = self.env["ir.model"]._get_id("res.partner")
        manager = self.env.company._credit_manager_user()
        todo, values = [], []
        for communication in communications:
            partner = communication.partner_id
            user = self._credit_collection_collector(
                partner, communication.policy_id, manager
            )
            key = (partner.id, user.id)
            if key not in existing:
                existing[key] = None
                values.append(
                    {
                        "res_model_id": model_id,
                        "res_id": partner.id,
                        "activity_type_id": activity_type.id,
                        "user_id": user.id,
                        "date_deadline": communication.date,
                        "summary": self.env._(
                            "Collection call: %(level)s",
                            level=communication.level_id.name,
                        ),
                        "note": self.env._(
                            "%(amount)s overdue, the oldest item %(days)s days past "
                            "due.",
                            amount=communication.currency_id.format(
                                communication.amount_overdue
                            ),
                            days=communication.max_days_overdue,
                        ),
                    }
                )
            todo.append((communication, key))
        for activity in Activity.create(values):
            existing[activity.res_id, activity.user_id.id] = activity
        for communication, key in todo:
            COMMUNICATION_STATE.on(communication).activity_id = existing[key].id

    @api.model
    def _credit_collection_broken(self, promise):
        """Tell the collector a promise was broken (an activity on the customer)."""
        partner = promise.partner_id
        user = (
            promise.user_id
            if promise.user_id.active
            else (
                self._credit_collection_collector(
                    partner,
                    partner.with_company(promise.company_id).credit_collection_policy_id
                    or promise.company_id.credit_collection_policy_id,
                )
            )
        )
        partner.sudo().activity_schedule(
            "credit_management.mail_activity_type_credit_collection_promise",
            user_id=user.id,
            summary=self.env._("Broken promise to pay"),
            note=self.env._(
                "%(partner)s promised %(amount)s by %(date)s and paid %(received)s: "
                "reminders resume.",
                partner=partner.display_name,
                amount=promise.currency_id.format(promise.amount),
                date=fields.Date.to_string(promise.date_promised),
                received=promise.currency_id.format(promise.amount_received),
            ),
        )
