from odoo import api, fields, models
from odoo.addons.credit_management.exceptions import CreditBlockedError
from odoo.addons.credit_management.models.credit_policy import CreditCheck
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain


class StockPicking(models.Model):
    _inherit = "stock.picking"

    credit_blocked = fields.Boolean(
        compute="_compute_credit_block",
        search="_search_credit_blocked",
        help="The credit check refuses to validate this delivery until a credit "
        "manager releases it.",
        groups="base.group_user",
    )
    credit_block_message = fields.Text(
        string="Credit Check",
        compute="_compute_credit_block",
        help="Why the credit check refuses to validate this delivery.",
        groups="base.group_user",
    )
    credit_block_summary = fields.Char(
        compute="_compute_credit_block",
        help="The reasons in one line; the full message is in the details.",
        groups="base.group_user",
    )
    credit_released = fields.Boolean(
        compute="_compute_credit_block",
        help="The credit check would refuse this delivery, and a credit manager "
        "released it.",
        groups="base.group_user",
    )
    credit_can_release = fields.Boolean(
        compute="_compute_credit_can_release",
        groups="base.group_user",
    )
    credit_release_ids = fields.One2many(
        "credit.delivery.release",
        "picking_id",
        string="Credit Releases",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    credit_release_id = fields.Many2one(
        "credit.delivery.release",
        compute="_compute_credit_release_id",
        help="The latest credit release of this delivery.",
        groups="base.group_user",
    )
    credit_release_user_id = fields.Many2one(
        "res.users",
        string="Credit Released By",
        compute="_compute_credit_release_id",
        groups="base.group_user",
    )
    credit_release_date = fields.Datetime(
        string="Credit Released On",
        compute="_compute_credit_release_id",
        groups="base.group_user",
    )
    credit_release_reason = fields.Text(
        string="Release Reason",
        compute="_compute_credit_release_id",
        groups="base.group_user",
    )

    @api.depends("credit_release_ids")
    def _compute_credit_release_id(self):
        for picking in self:
            release = picking.credit_release_ids[:1]
            picking.credit_release_id = release
            picking.credit_release_user_id = release.user_id
            picking.credit_release_date = release.date
            picking.credit_release_reason = release.reason

    @api.depends(
        "state",
        "partner_id",
        "sale_id",
        "company_id",
        "picking_type_id",
        "location_dest_id",
        "credit_release_ids",
    )
    @api.depends_context("uid")
    def _compute_credit_block(self):
        for picking in self:
            picking.credit_blocked = False
            picking.credit_block_message = False
            picking.credit_block_summary = False
            picking.credit_released = False
            if not picking.id:
                continue
            try:
                decision = picking._credit_delivery_decision()
            except UserError as error:
                # A configuration error (a currency without rate) shows on the
                # delivery; the validation refuses with the same error.
                picking.credit_blocked = True
                picking.credit_block_message = self.env._(
                    "The credit check cannot run: %(error)s", error=error
                )
                picking.credit_block_summary = self.env._(
                    "The credit check cannot run (see the details)."
                )
                continue
            if not decision or not decision["codes"]:
                continue
            if decision["release"]:
                picking.credit_released = True
                continue
            picking.credit_blocked = True
            picking.credit_block_message = picking._credit_block_text(decision)
            picking.credit_block_summary = self.env._(
                "Delivery blocked by the credit check: %(reasons)s.",
                reasons=self.env["sale.order"]._credit_reasons_label(decision["check"]),
            )

    def _search_credit_blocked(self, operator, value):
        """Open deliveries the credit check refuses now (the work queue of
        credit managers): the check of each open delivery of the companies
        under credit control."""
        if operator != "in":
            return NotImplemented
        deliveries = self.search(
            [
                ("state", "not in", ("done", "cancel")),
                ("picking_type_code", "=", "outgoing"),
                ("company_id.credit_control_enabled", "=", True),
            ]
        )
        blocked = deliveries.filtered("credit_blocked")
        if True in value and False in value:
            return Domain.TRUE
        if True in value:
            return Domain("id", "in", blocked.ids)
        return Domain("id", "not in", blocked.ids)

    @api.depends("company_id")
    @api.depends_context("uid")
    def _compute_credit_can_release(self):
        for picking in self:
            picking.credit_can_release = picking._credit_user_can_release()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_credit_released(self):
        released = self.sudo().filtered("credit_release_ids")
        if released:
            raise UserError(
                self.env._(
                    "Transfer %(pickings)s has a credit release, kept for the audit: "
                    "cancel it instead of deleting it.",
                    pickings=", ".join(released.mapped("name")),
                )
            )

    def button_validate(self):
        """A delivery the credit check refuses is not validated, by whoever
        validates it (a form, a list, a batch, the barcode app, RPC): the
        check comes before the validation's own dialogs (backorder, ...)."""
        messages = [
            picking._credit_validation_message()
            for picking in self.filtered(lambda p: p.state not in ("done", "cancel"))
        ]
        messages = [message for message in messages if message]
        if messages:
            raise CreditBlockedError("\n\n".join(messages))
        return super().button_validate()

    def action_credit_release(self):
        """Credit manager's button on a blocked delivery: give the reason."""
        self.ensure_one()
        self._credit_check_can_release()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Release Credit Hold"),
            "res_model": "credit.delivery.release.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_picking_id": self.id},
        }

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _credit_is_checked_delivery(self):
        """Whether the credit check looks at this transfer: an open delivery
        to a customer, of a company under credit control. Receipts (returns
        included), internal transfers and the steps of a delivery before the
        last one never wait for it."""
        self.ensure_one()
        return bool(
            self.company_id.credit_control_enabled
            and self.picking_type_code == "outgoing"
            and self.location_dest_id.usage == "customer"
            and self.state not in ("done", "cancel")
            and self.partner_id
        )

    def _credit_delivery_decision(self):
        """What the credit check decides on validating this delivery now.

        A delivery that ships a confirmed sale order follows the check of that
        order (``sale.order._credit_delivery_check``): it is refused for the
        rules that block the order now, unless the order's credit approval
        still covers them (live, same customer and amount, no new reason). A
        delivery that ships no confirmed order (sent by hand to a customer)
        follows the customer's credit hold. A credit manager's release of the
        delivery lets it go for the reasons it overrode; a reason that comes up
        after it blocks again.

        :return: None for a transfer the check leaves alone; otherwise a dict
            with ``check`` (the policy's result: reasons, actions, figures),
            ``order`` (the confirmed order shipped, or an empty recordset),
            ``codes`` (the rules that block the delivery) and ``release`` (the
            release that lets it go despite them, or an empty recordset)
        """
        self.ensure_one()
        if not self._credit_is_checked_delivery():
            return None
        # sudo: the decision is the company's, whatever the user who validates
        # may read (a stock user has no right on invoices or credit figures)
        picking = self.sudo()
        order = picking.sale_id.filtered(lambda o: o.state == "sale")
        if order:
            check = order._credit_delivery_check()
            codes = check["codes"]
            if codes and order._credit_approval_covers(codes):
                codes = []
        else:
            check = picking._credit_hold_check()
            codes = check["codes"]
        release = picking.credit_release_ids[:1]
        if not (codes and release and set(codes) <= release._credit_codes()):
            release = release.browse()
        return {
            "check": check,
            "order": order.with_env(self.env),
            "codes": codes,
            "release": release.with_env(self.env),
        }

    def _credit_hold_check(self):
        """The credit check of a delivery that ships no confirmed order: the
        customer's credit hold (the other rules weigh an order), which gives
        way to securities where the company says so."""
        self.ensure_one()
        company = self.company_id
        partner = self.partner_id.commercial_partner_id.with_company(company)
        policy = self.env["credit.policy"].with_company(company)
        result = {
            "reasons": [],
            "actions": [],
            "codes": [],
            "partner": partner,
            "currency": company.currency_id,
        }
        check = CreditCheck(
            env=self.env,
            order=None,
            company=company,
            partner=partner,
            amount=0.0,
            secured=0.0,
            currency=company.currency_id,
        )
        found = policy._credit_rule_hold(check)
        if found and company.credit_security_lifts_hold:
            exposure = self.env["credit.exposure"].with_company(company)
            figures = exposure._credit_figures(partner, detail=False)[partner.id]
            check.update(
                figures=figures,
                secured=exposure._credit_secured(
                    partner, exposures={partner.id: figures["credit_exposure"]}
                ).get(partner.id, 0.0),
            )
            if policy._credit_lifted_by_securities(check, "hold"):
                found = None
        if found:
            result["codes"].append("hold")
            result["reasons"].append(found["reason"])
            result["actions"].append(found["action"])
        return result

    def _credit_validation_message(self):
        """Why this delivery may not be validated now, or False."""
        self.ensure_one()
        decision = self._credit_delivery_decision()
        if not decision or not decision["codes"] or decision["release"]:
            return False
        return self._credit_block_text(decision)

    def _credit_block_text(self, decision):
        """The message of a delivery the credit check refuses: which delivery
        and customer, the reasons and (for an order) the order's figures as its
        own credit message gives them, then what the reader can do."""
        self.ensure_one()
        check, order = decision["check"], decision["order"]
        partner = check["partner"]
        if order:
            title = self.env._(
                "Delivery %(picking)s of order %(order)s cannot be validated: the "
                "credit check of %(partner)s failed.",
                picking=self.name,
                order=order.name,
                partner=partner.display_name,
            )
            # The order's credit message without its first line (its title, for
            # a confirmation) and its last (who approves the order): reasons,
            # figures, and why its approval no longer covers it.
            # The exposure the message shows is the customer's whole exposure,
            # this order included, as its parts are (the check takes the order
            # out of it to add it back as "this order").
            shown = dict(
                check,
                credit_exposure=check["credit_exposure"] + (check["increase"] or 0.0),
            )
            # sudo: the figures are read for the decision (see above)
            body = order.sudo()._credit_message(shown, reader=False).split("\n")[1:-1]
        else:
            title = self.env._(
                "Delivery %(picking)s cannot be validated: the credit check of "
                "%(partner)s failed.",
                picking=self.name,
                partner=partner.display_name,
            )
            body = ["", *(f"• {reason}" for reason in check["reasons"]), ""]
        actions = ", ".join(check["actions"])
        if self._credit_user_can_release():
            todo = self.env._(
                "What to do: %(actions)s, or release this delivery yourself "
                "(Release Credit Hold).",
                actions=actions,
            )
        else:
            todo = self.env._(
                "What to do: %(actions)s, or ask %(approvers)s to release this "
                "delivery (Release Credit Hold).",
                actions=actions,
                approvers=self._credit_releasers_label(),
            )
        return "\n".join([title, *body, todo])

    def _credit_releasers_label(self):
        """Who releases, in words: "a credit manager", or the company's own
        approvers group named as such (as for the approval of orders)."""
        self.ensure_one()
        group = self.company_id._credit_override_group()
        if group == self.env.ref("credit_management.group_credit_manager"):
            return self.env._("a credit manager")
        return self.env._(
            'a credit approver (group "%(group)s")', group=group.display_name
        )

    def _credit_user_can_release(self):
        """Whether the current user may release this delivery: a member of the
        override group of its company (who approves blocked orders)."""
        self.ensure_one()
        return (
            self.env.su
            or self.company_id._credit_override_group() in self.env.user.all_group_ids
        )

    def _credit_check_can_release(self):
        """Raise unless the current user may release this delivery."""
        self.ensure_one()
        if not self._credit_user_can_release():
            raise AccessError(
                self.env._(
                    "Only members of %(group)s can release delivery %(picking)s "
                    "blocked by the credit check.",
                    group=self.company_id._credit_override_group().name,
                    picking=self.name,
                )
            )

    def _credit_release(self, reason):
        """Record a credit manager's release of this blocked delivery
        (credit.delivery.release checks who releases and what)."""
        self.ensure_one()
        return self.env["credit.delivery.release"].create(
            {"picking_id": self.id, "reason": reason}
        )
