from odoo import Command
from odoo.addons.credit_management.tests.common import CreditCommon
from odoo.tests import Form, new_test_user


class CreditStockCommon(CreditCommon):
    """Credit Management's company and customer, with a warehouse, a stock user
    who validates deliveries and helpers to ship orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_user = new_test_user(
            cls.env,
            login="credit_stock_user",
            groups="stock.group_stock_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    @classmethod
    def _delivery(cls, order):
        """The delivery of a confirmed order."""
        delivery = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state != "done"
        )
        delivery.ensure_one()
        return delivery

    @classmethod
    def _shipped_order(cls, amount, qty=1.0, partner=None):
        """A confirmed order of ``qty`` units worth ``amount`` in all, and its
        delivery."""
        order = cls._order(amount, partner=partner)
        if qty != 1.0:
            order.order_line.write({"product_uom_qty": qty, "price_unit": amount / qty})
        order.action_confirm()
        return order, cls._delivery(order)

    @classmethod
    def _manual_delivery(cls, partner=None, company=None):
        """A delivery to a customer made by hand, without a sale order."""
        company = company or cls.company
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        picking = (
            cls.env["stock.picking"]
            .with_company(company)
            .create(
                {
                    "picking_type_id": warehouse.out_type_id.id,
                    "partner_id": (partner or cls.customer).id,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": cls.env.ref(
                        "stock.stock_location_customers"
                    ).id,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": cls.product_a.id,
                                "product_uom_qty": 1.0,
                                "location_id": warehouse.lot_stock_id.id,
                                "location_dest_id": cls.env.ref(
                                    "stock.stock_location_customers"
                                ).id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        return picking

    @classmethod
    def _hold(cls, reason="Cheque returned unpaid", partner=None):
        (partner or cls.customer).write(
            {"credit_hold": True, "credit_hold_reason": reason}
        )

    def _validate(self, picking, user=None, qty=None):
        """Validate ``picking`` as ``user`` (the stock user by default), all of
        it or ``qty`` of its single move with a backorder for the rest."""
        picking = picking.with_user(user or self.stock_user)
        if qty is not None:
            picking.move_ids.write({"quantity": qty, "picked": True})
        result = picking.button_validate()
        if isinstance(result, dict) and result.get("res_model") == (
            "stock.backorder.confirmation"
        ):
            Form(
                self.env[result["res_model"]]
                .with_user(user or self.stock_user)
                .with_context(**result["context"])
            ).save().process()
        return result

    def _release(self, picking, user=None, reason="Paid by wire this morning"):
        """Release ``picking`` through the dialog, as a credit manager."""
        picking = picking.with_user(user or self.credit_manager)
        action = picking.action_credit_release()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(user or self.credit_manager)
            .with_context(**action["context"])
        )
        wizard.reason = reason
        return wizard.save().action_release()
