from odoo import models
from odoo.tools import format_amount


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """A quotation paid online that the credit check blocks is not confirmed:
        the payment is recorded as usual (post-processing goes on), the
        quotation waits for a credit approval and the credit team is asked to
        review it. Raising here, as a confirmation would, lost the payment."""
        held = self.browse()
        for tx in self:
            quotation = tx.sale_order_ids.filtered(
                lambda so: so.state in ("draft", "sent")
            )
            if (
                len(tx.sale_order_ids) == 1
                and quotation
                and quotation._is_confirmation_amount_reached()
                and quotation._credit_block_message()
            ):
                quotation._credit_request_review(
                    self.env._(
                        "The customer paid %(amount)s online (transaction "
                        "%(reference)s); the credit check blocks the confirmation.",
                        amount=format_amount(self.env, tx.amount, tx.currency_id),
                        reference=tx.reference,
                    )
                )
                held |= tx
        return super(PaymentTransaction, self - held)._check_amount_and_confirm_order()
