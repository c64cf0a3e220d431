from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.http import request


class CreditPortal(CustomerPortal):
    """My Account › Credit: the customer's own credit figures and statement,
    for its contacts, where the company and the customer opted in."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "credit_count" in counters:
            values["credit_count"] = int(self._credit_portal_partner() is not None)
        return values

    def _credit_portal_partner(self):
        """The commercial partner of the portal user when its credit is shown
        on the portal, else None."""
        partner = request.env.user.partner_id
        if request.env.user._is_public() or not partner._credit_portal_allowed():
            return None
        return partner.commercial_partner_id

    @http.route("/my/credit", type="http", auth="user", website=True)
    def portal_my_credit(self, **kw):
        partner = self._credit_portal_partner()
        if partner is None:
            return request.not_found()
        values = self._prepare_portal_layout_values()
        values.update(partner._credit_portal_values(), page_name="credit")
        return request.render("credit_management.portal_my_credit", values)

    @http.route("/my/credit/statement", type="http", auth="user", website=True)
    def portal_my_credit_statement(self, **kw):
        partner = self._credit_portal_partner()
        if partner is None:
            return request.not_found()
        # sudo: the customer's own statement (its open items), nobody else's
        content, kind = (
            request.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(
                "credit_management.action_report_credit_statement",
                res_ids=partner.ids,
            )
        )
        mimetype = "application/pdf" if kind == "pdf" else "text/html"
        filename = f"statement-{partner.id}.{'pdf' if kind == 'pdf' else 'html'}"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", mimetype),
                ("Content-Disposition", f'inline; filename="{filename}"'),
            ],
        )
