def post_init_hook(env):
    """Demo payments: they go through the payment register wizard, which XML data
    cannot drive. Without demo data there is nothing to do."""
    paid = env.ref("credit_management.demo_invoice_good_paid", raise_if_not_found=False)
    if not paid:
        return
    partial = env.ref("credit_management.demo_invoice_good_partial")
    for invoice, amount in (
        (paid, paid.amount_total),
        (partial, partial.amount_total / 2),
    ):
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {"amount": amount, "payment_date": invoice.invoice_date}
        )._create_payments()
