from odoo import api, models

# Line values that can raise the total of an order.
CREDIT_AMOUNT_FIELDS = frozenset(
    {"product_uom_qty", "price_unit", "discount", "tax_ids", "product_id"}
)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["sale.order"].browse(
            {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        )
        before = orders._credit_growth_snapshot()
        lines = super().create(vals_list)
        if before:
            orders._credit_check_growth(before)
        return lines

    def write(self, vals):
        before = (
            self.order_id._credit_growth_snapshot()
            if CREDIT_AMOUNT_FIELDS.intersection(vals)
            else {}
        )
        result = super().write(vals)
        if before:
            self.order_id._credit_check_growth(before)
        return result
