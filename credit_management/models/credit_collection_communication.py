import base64
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.markers import Marker
from .credit_collection_policy import COLLECTION_STATUSES

_logger = logging.getLogger(__name__)

# What a communication says happened: written when it is made, never after.
COMMUNICATION_FACTS = frozenset(
    {
        "partner_id",
        "company_id",
        "policy_id",
        "level_id",
        "date",
        "user_id",
        "run_id",
        "line_ids",
        "amount_overdue",
        "max_days_overdue",
        "status_to",
        "hold_set",
    }
)
# What changes after, through the buttons and the sending job only.
COMMUNICATION_STATES = frozenset(
    {
        "state",
        "email_state",
        "email_error",
        "mail_id",
        "statement_attachment_id",
        "letter_state",
        "date_printed",
        "activity_id",
    }
)
# Its states are written by its buttons, the collection run and the sending
# job, which carry this marker.
COMMUNICATION_STATE = Marker("credit_communication_state")


class CreditCollectionCommunication(models.Model):
    """What the collections did about one customer at one level on one day: the
    overdue items it covered (a level never speaks twice of the same items), and
    its channels: the e-mail with the statement (queued by the sending job), the
    letter to print, the call to make, the hold."""

    _name = "credit.collection.communication"
    _description = "Collection Communication"
    _inherit = "mail.thread"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    policy_id = fields.Many2one("credit.collection.policy", readonly=True)
    level_id = fields.Many2one(
        "credit.collection.level",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    date = fields.Date(required=True, readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Run By",
        readonly=True,
        help="Who ran the collections (the scheduler's user for the daily run).",
    )
    run_id = fields.Many2one(
        "credit.job.run", string="Scheduled Run", readonly=True, ondelete="set null"
    )
    state = fields.Selection(
        [("done", "Done"), ("cancelled", "Cancelled")],
        default="done",
        required=True,
        readonly=True,
        tracking=True,
        help="A cancelled communication does not count: its items may be spoken of "
        "at their level again.",
    )
    line_ids = fields.One2many(
        "credit.collection.communication.line",
        "communication_id",
        string="Overdue Items",
        readonly=True,
        help="The overdue items it spoke of, each with the level it had reached.",
    )
    amount_overdue = fields.Monetary(
        readonly=True,
        help="Open amount of the items it spoke of (company currency).",
    )
    max_days_overdue = fields.Integer(string="Oldest (Days Past Due)", readonly=True)
    status_to = fields.Selection(
        COLLECTION_STATUSES, string="Collection Status Set", readonly=True
    )
    email_state = fields.Selection(
        [
            ("none", "No E-mail"),
            ("to_send", "To Send"),
            ("queued", "Queued"),
            ("failed", "Failed"),
        ],
        string="E-mail",
        default="none",
        required=True,
        readonly=True,
        index=True,
    )
    email_error = fields.Char(readonly=True)
    mail_id = fields.Many2one(
        "mail.mail", string="Queued E-mail", readonly=True, ondelete="set null"
    )
    statement_attachment_id = fields.Many2one(
        "ir.attachment", string="Statement", readonly=True, ondelete="set null"
    )
    letter_state = fields.Selection(
        [("none", "No Letter"), ("to_print", "To Post"), ("printed", "Posted")],
        string="Letter",
        default="none",
        required=True,
        readonly=True,
        index=True,
    )
    date_printed = fields.Datetime(string="Posted On", readonly=True)
    activity_id = fields.Many2one(
        "mail.activity", string="Call", readonly=True, ondelete="set null"
    )
    hold_set = fields.Boolean(string="Put On Hold", readonly=True)

    _credit_job_model = "credit.collection.communication"

    @api.depends("partner_id", "level_id", "date")
    def _compute_display_name(self):
        for communication in self:
            communication.display_name = self.env._(
                "%(level)s, %(partner)s, %(date)s",
                level=communication.level_id.name or "",
                partner=communication.partner_id.display_name or "",
                date=fields.Date.to_string(communication.date) or "",
            )

    def write(self, vals):
        if not self.env.su and COMMUNICATION_FACTS.intersection(vals):
            raise AccessError(
                self.env._(
                    "A collection communication records what was sent: it cannot be "
                    "changed. Cancel it if it was made by mistake."
                )
            )
        if (
            not self.env.su
            and COMMUNICATION_STATES.intersection(vals)
            and not COMMUNICATION_STATE.is_set(self.env)
        ):
            raise AccessError(
                self.env._(
                    "The state of a collection communication changes through its "
                    "buttons and the sending job."
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_cancel(self):
        """Cancel a communication made by mistake (its items can be reminded at
        its level again); the e-mail, if not sent yet, is cancelled too."""
        if not self.env.user.has_group("credit_management.group_credit_user"):
            raise UserError(self.env._("Only credit users cancel communications."))
        for communication in self:
            if communication.mail_id.state in ("outgoing", "exception"):
                communication.mail_id.sudo().cancel()  # sudo: the queued mail is ours
        COMMUNICATION_STATE.on(self).write({"state": "cancelled"})
        return True

    def action_print_letters(self):
        """One PDF with the letters of these communications (to post or
        posted), each followed by the customer's statement. The letters stay
        "to post" until someone marks them posted (Mark Letters Posted): a PDF
        never opened, or one that failed, loses no letter."""
        letters = self.filtered(
            lambda c: c.state == "done" and c.letter_state != "none"
        ).sorted(lambda c: (c.partner_id.display_name or "", c.id))
        if not letters:
            raise UserError(
                self.env._("None of the selected communications has a letter to print.")
            )
        return self.env.ref(
            "credit_management.action_report_credit_collection_letter"
        ).report_action(letters)

    def action_mark_posted(self):
        """The letters of these communications were printed and posted."""
        letters = self.filtered(
            lambda c: c.state == "done" and c.letter_state == "to_print"
        )
        COMMUNICATION_STATE.on(letters).write(
            {"letter_state": "printed", "date_printed": fields.Datetime.now()}
        )
        return self._credit_notify(
            self.env._("%(count)s letter(s) marked posted.", count=len(letters))
        )

    def action_send_now(self):
        """Queue the e-mails of these communications now, without waiting for the
        sending job."""
        todo = self.filtered(lambda c: c.email_state in ("to_send", "failed"))
        todo._credit_send()
        failed = todo.filtered(lambda c: c.email_state == "failed")
        return self._credit_notify(
            self.env._(
                "%(queued)s e-mail(s) queued, %(failed)s failed, %(skipped)s "
                "already queued or without e-mail.",
                queued=len(todo - failed),
                failed=len(failed),
                skipped=len(self - todo),
            ),
            "warning" if failed else "success",
        )

    def _credit_notify(self, message, kind="success"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": kind,
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # Sending (the job "collect_send", see credit.job.run)
    # ------------------------------------------------------------------
    @api.model
    def _credit_job_start(self, job, company):
        # sudo: the job's bookkeeping looks at every company, whoever runs it
        if not self.sudo().search_count(self._credit_send_domain(company), limit=1):
            return None
        now = fields.Datetime.now()
        return {"date_start": now, "run_ref": "send " + fields.Datetime.to_string(now)}

    @api.model
    def _credit_send_domain(self, company):
        return [
            ("company_id", "=", company.id),
            ("state", "=", "done"),
            ("email_state", "=", "to_send"),
        ]

    @api.model
    def _credit_job_domain(self, run):
        return self._credit_send_domain(run.company_id)

    @api.model
    def _credit_job_process(self, run, communications):
        communications._credit_send()

    def _credit_send(self):
        """Render each customer's statement in its language, attach it, and
        queue the level's e-mail (the mail queue sends it)."""
        Attachment = self.env["ir.attachment"]
        report = self.env.ref("credit_management.action_report_credit_statement")
        for communication in COMMUNICATION_STATE.on(self):
            partner = communication.partner_id.with_company(communication.company_id)
            recipient = partner._credit_collection_recipient()
            if not recipient.email:
                communication.write(
                    {
                        "email_state": "failed",
                        "email_error": self.env._(
                            "%(partner)s has no e-mail address for invoices.",
                            partner=recipient.display_name,
                        ),
                    }
                )
                continue
            lang = recipient.lang or partner.lang or self.env.lang
            content, _kind = (
                self.env["ir.actions.report"]
                .with_context(lang=lang)
                .with_company(communication.company_id)
                ._render_qweb_pdf(report, res_ids=partner.ids)
            )
            attachment = Attachment.create(
                {
                    "name": self.env._(
                        "Statement %(partner)s %(date)s.pdf",
                        partner=partner.name,
                        date=fields.Date.to_string(communication.date),
                    ),
                    "datas": base64.b64encode(content),
                    "res_model": self._name,
                    "res_id": communication.id,
                    "mimetype": "application/pdf",
                }
            )
            template = communication.level_id.mail_template_id
            mail = self.env["mail.mail"].browse(
                template.with_context(lang=lang).send_mail(
                    communication.id,
                    force_send=False,
                    email_values={
                        "attachment_ids": [(4, attachment.id)],
                        "recipient_ids": [(4, recipient.id)],
                        "auto_delete": False,
                    },
                )
            )
            communication.write(
                {
                    "email_state": "queued",
                    "email_error": False,
                    "mail_id": mail.id,
                    "statement_attachment_id": attachment.id,
                }
            )

    @api.model
    def _cron_send(self, company_ids=None):
        """Queue the e-mails the collection runs decided, in committed batches."""
        self.env["credit.job.run"]._credit_cron("collect_send", company_ids)
