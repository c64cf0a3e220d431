from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_datetime
from odoo.tools.mail import plaintext2html


class CreditDeliveryRelease(models.Model):
    """A credit manager's release of a delivery the credit check refused.

    A fact of its own, written once, like an approval of an order: created
    only by a member of the override group of the delivery's company, for a
    delivery they may read and that the check blocks now (checked in
    ``create``, whatever the path: the dialog, RPC, a One2many command), with
    who, when and the reasons of that moment set here, never taken from the
    caller; never edited nor deleted; logged in the credit decision log. It
    lets that delivery go for the reasons it overrode: a reason that comes up
    after it blocks again, and a backorder of the delivery, which ships later,
    is checked again.
    """

    _name = "credit.delivery.release"
    _description = "Credit Release of a Delivery"
    _order = "date desc, id desc"
    _rec_name = "picking_id"

    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    order_id = fields.Many2one(
        "sale.order", string="Sales Order", readonly=True, ondelete="set null"
    )
    user_id = fields.Many2one(
        "res.users", string="Released By", required=True, readonly=True
    )
    date = fields.Datetime(string="Released On", required=True, readonly=True)
    reason = fields.Text(required=True, readonly=True)
    blocking_reasons = fields.Text(string="Reasons Overridden", readonly=True)
    rule_codes = fields.Char(
        string="Rules Overridden",
        readonly=True,
        help="Codes of the credit rules this release overrides.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        """Only ``picking_id`` and ``reason`` come from the caller: who, when
        and the reasons are this moment's."""
        now = fields.Datetime.now()
        records, decisions = [], []
        for vals in vals_list:
            picking = self.env["stock.picking"].browse(vals.get("picking_id")).exists()
            if not picking:
                raise ValidationError(self.env._("A credit release needs a delivery."))
            # The delivery's record rules (its company) apply to who releases it.
            picking.check_access("read")
            picking._credit_check_can_release()
            reason = (vals.get("reason") or "").strip()
            if not reason:
                raise ValidationError(
                    self.env._("Give the reason for the credit release.")
                )
            decision = picking._credit_delivery_decision()
            if not decision or not decision["codes"] or decision["release"]:
                raise UserError(
                    self.env._(
                        "The credit check does not block delivery %(picking)s: "
                        "there is nothing to release.",
                        picking=picking.display_name,
                    )
                )
            check = decision["check"]
            decisions.append(decision)
            records.append(
                {
                    "picking_id": picking.id,
                    "company_id": picking.company_id.id,
                    "partner_id": check["partner"].id,
                    "order_id": decision["order"].id,
                    "user_id": self.env.uid,
                    "date": now,
                    "reason": reason,
                    "blocking_reasons": "\n".join(check["reasons"]),
                    "rule_codes": ",".join(decision["codes"]),
                }
            )
        # sudo: the releaser was authorised above and the values are the
        # system's; releasers need no create right of their own on the model.
        releases = super(CreditDeliveryRelease, self.sudo()).create(records)
        for release, decision in zip(releases, decisions, strict=True):
            release._credit_post()
            release._credit_log_decision(decision)
        return releases.sudo(self.env.su)

    def write(self, vals):
        # Nothing is ever written on a release, not even as superuser.
        if vals:
            raise AccessError(
                self.env._(
                    "A credit release is a record for the audit: it cannot be changed."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(
            self.env._(
                "A credit release is a record for the audit: it cannot be deleted."
            )
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _credit_codes(self):
        self.ensure_one()
        return set(filter(None, (self.rule_codes or "").split(",")))

    def _credit_log_decision(self, decision):
        """The release in the credit decision log, with the figures of the
        check it overrode (for an order: its total, and the exposure this
        order included)."""
        self.ensure_one()
        check, order = decision["check"], decision["order"]
        # The delivery's name stays in the note if the bridge is uninstalled.
        vals = {
            "picking_id": self.picking_id.id,
            "note": f"{self.picking_id.name}: {self.reason}",
        }
        Decision = self.env["credit.decision"]
        if order:
            # sudo: the figures of the order are read for the log, whatever
            # the releaser may read; the author stays the releaser
            order = order.sudo()
            return Decision._credit_log_order(
                order,
                "delivery_release",
                check,
                amount=order._credit_order_amount(),
                exposure=check["credit_exposure"] + (check["increase"] or 0.0),
                **vals,
            )
        return Decision._credit_log(
            [
                {
                    "kind": "delivery_release",
                    "source": "manual",
                    "company_id": self.company_id.id,
                    "partner_id": self.partner_id.id,
                    "reasons": "\n".join(check["reasons"]),
                    "rule_codes": ",".join(decision["codes"]),
                    **vals,
                }
            ]
        )

    def _credit_post(self):
        """The release in the delivery's chatter (and its order's), for the
        people who follow them."""
        self.ensure_one()
        body = plaintext2html(
            self.env._(
                "Credit hold released by %(user)s on %(date)s for delivery "
                "%(picking)s.\nReason: %(reason)s\nBlocking reasons overridden:\n"
                "%(reasons)s",
                user=self.user_id.name,
                date=format_datetime(self.env, self.date),
                picking=self.picking_id.name,
                reason=self.reason,
                reasons=self.blocking_reasons or "-",
            )
        )
        # sudo: releasers may have no write access on the delivery or the
        # order; the author stays the releaser (the environment's user). The
        # responsible of the delivery and the salesperson are notified.
        picking = self.picking_id.sudo()
        responsible = picking.user_id if picking.user_id != self.user_id else False
        picking.message_post(
            body=body,
            subtype_xmlid="mail.mt_note",
            partner_ids=responsible.partner_id.ids if responsible else [],
        )
        order = self.order_id.sudo()
        if order:
            salesperson = order.user_id if order.user_id != self.user_id else False
            order.message_post(
                body=body,
                subtype_xmlid="mail.mt_note",
                partner_ids=salesperson.partner_id.ids if salesperson else [],
            )
