"""Fill a database with a realistic receivables ledger, fast and deterministic.

One invoice, one payment and one sale order are made through the ORM as templates;
everything else is cloned from them in bulk SQL (INSERT ... SELECT over
generate_series), with seeded random() for amounts, dates and states:

- customers (res.partner), each with ``invoices`` posted customer invoices;
- a mix of paid (55 %), partially paid (10 %) and open (35 %) invoices, due dates
  spread from 180 days ago to 30 days ahead, 10 % in a foreign currency (EUR);
- one payment per customer, reconciled with its paid invoices through
  account_partial_reconcile rows (the payment date drives the payment history);
- confirmed, not invoiced sale orders for 30 % of the customers;
- one very large customer with as many invoices as there are customers (five years
  of history, 95 % settled), the "huge partner" of the confirm-time check.

Usage (from the repository root, after scripts/run or scripts/test made .venv):
    .venv/bin/python bench/generate.py --db credit_bench_s --size S
"""

import argparse
import logging
import time

SIZES = {"S": 1_000, "M": 10_000, "L": 100_000}
INVOICES_PER_CUSTOMER = 10  # S/M/L: 20k/200k/2M receivable + income lines

_logger = logging.getLogger("bench.generate")


def columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def clone_sql(cr, table, overrides, source, where, returning="id"):
    """INSERT INTO table (all columns) SELECT <column or override> FROM source."""
    cols = columns(cr, table)
    select = ", ".join(overrides.get(col, f"t.{col}") for col in cols)
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) "
        f"SELECT {select} FROM {source} WHERE {where} RETURNING {returning}"
    )


def make_templates(env):
    from odoo import Command, fields  # noqa: PLC0415 (odoo is set up by main)

    company = env.company
    partner = env["res.partner"].create({"name": "Bench Template", "is_company": True})
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [
                Command.create({"name": "Goods", "quantity": 1, "price_unit": 100.0})
            ],
        }
    )
    invoice.invoice_line_ids.tax_ids = False
    invoice.action_post()
    payment = env["account.payment"].create(
        {
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": partner.id,
            "amount": 100.0,
        }
    )
    payment.action_post()
    product = env["product.product"].create(
        {"name": "Bench Product", "list_price": 100}
    )
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [
                Command.create(
                    {"product_id": product.id, "price_unit": 100.0, "tax_ids": False}
                )
            ],
        }
    )
    order.action_confirm()
    eur = env.ref("base.EUR")
    if eur != company.currency_id:
        eur.active = True
        if not eur.rate_ids.filtered(lambda r: r.company_id == company):
            env["res.currency.rate"].create(
                {
                    "currency_id": eur.id,
                    "rate": 0.9,
                    "name": "2000-01-01",
                    "company_id": company.id,
                }
            )
    env.flush_all()
    return partner, invoice, payment, order, eur


def generate(env, customers, seed):
    cr = env.cr
    partner, invoice, payment, order, eur = make_templates(env)
    cr.execute("SELECT setseed(%s)", [seed / 1000.0])

    # Customers.
    cr.execute(
        clone_sql(
            cr,
            "res_partner",
            {
                "name": "'Bench Customer ' || lpad(g::text, 6, '0')",
                "complete_name": "'Bench Customer ' || lpad(g::text, 6, '0')",
                "customer_rank": "1",
                "commercial_partner_id": "NULL",
            },
            "res_partner t CROSS JOIN generate_series(1, %s) g",
            "t.id = %s",
        ),
        [customers, partner.id],
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE name LIKE 'Bench Customer %%' AND commercial_partner_id IS NULL"
    )

    # Invoices to create: one row each, with its figures drawn once.
    cr.execute(
        """
        CREATE TEMP TABLE bench_inv ON COMMIT DROP AS
        SELECT row_number() OVER () AS id, p.id AS partner_id, x.*
          FROM res_partner p
         CROSS JOIN generate_series(1, %s) k
         CROSS JOIN LATERAL (
               SELECT round((50 + random() * 4950)::numeric, 2) AS amount,
                      (current_date - (random() * 210)::int) AS due_date,
                      random() AS state_draw,
                      random() < 0.10 AS foreign_currency,
                      (random() * 50)::int - 10 AS pay_delay,
                      k AS k) x
         WHERE p.name LIKE 'Bench Customer %%'
        """,
        [INVOICES_PER_CUSTOMER],
    )
    # One very large customer: as many invoices as there are customers, 95 % of
    # them settled (long history, few open items), for the confirm-time check.
    cr.execute(
        """
        INSERT INTO bench_inv
        SELECT (SELECT max(id) FROM bench_inv) + g.n, p.id, x.*
          FROM (SELECT min(id) AS id FROM res_partner
                 WHERE name LIKE 'Bench Customer %%') p
         CROSS JOIN generate_series(1, %s) AS g(n)
         CROSS JOIN LATERAL (
               SELECT round((50 + random() * 4950)::numeric, 2) AS amount,
                      (current_date - 30 - (random() * 1800)::int + 0 * g.n)
                          AS due_date,
                      random() * 0.58 AS state_draw,
                      random() < 0.10 AS foreign_currency,
                      (random() * 50)::int - 10 AS pay_delay,
                      g.n AS k) x
        """,
        [customers],
    )
    cr.execute(
        """
        ALTER TABLE bench_inv ADD COLUMN paid numeric;
        UPDATE bench_inv SET due_date = LEAST(due_date, current_date + 30);
        UPDATE bench_inv SET paid = CASE
            WHEN state_draw < 0.55 AND due_date + pay_delay < current_date THEN amount
            WHEN state_draw < 0.65 THEN round(amount / 2, 2)
            ELSE 0 END;
        """
    )
    rate = 0.9
    cr.execute(
        clone_sql(
            cr,
            "account_move",
            {
                "partner_id": "b.partner_id",
                "commercial_partner_id": "b.partner_id",
                "partner_shipping_id": "b.partner_id",
                "name": "'BENCH/' || b.id",
                # Consistent with the name: Odoo numbers the next invoice of the
                # journal from the last (prefix, number); a mismatch made it try
                # candidate names one by one (minutes per invoice at L).
                "sequence_prefix": "'BENCH/'",
                "sequence_number": "b.id",
                "ref": "'BENCH-' || b.id",
                "payment_reference": "'BENCH/' || b.id",
                "access_token": "NULL",
                "invoice_partner_display_name": "'Bench Customer'",
                "date": "b.due_date - 30",
                "invoice_date": "b.due_date - 30",
                "invoice_date_due": "b.due_date",
                "currency_id": f"CASE WHEN b.foreign_currency THEN {eur.id} "
                "ELSE t.currency_id END",
                "invoice_currency_rate": f"CASE WHEN b.foreign_currency THEN {rate} "
                "ELSE 1 END",
                "amount_untaxed": "b.amount",
                "amount_total": "b.amount",
                "amount_residual": "b.amount - b.paid",
                "amount_untaxed_signed": "b.amount",
                "amount_untaxed_in_currency_signed": "b.amount",
                "amount_total_signed": "b.amount",
                "amount_total_in_currency_signed": "b.amount",
                "amount_residual_signed": "b.amount - b.paid",
                "payment_state": "CASE WHEN b.paid = b.amount THEN 'paid' "
                "WHEN b.paid > 0 THEN 'partial' ELSE 'not_paid' END",
            },
            "account_move t CROSS JOIN bench_inv b",
            "t.id = %s",
            returning="id",
        ),
        [invoice.id],
    )
    cr.execute(
        """
        CREATE TEMP TABLE bench_move ON COMMIT DROP AS
        SELECT am.id AS move_id, b.*
          FROM account_move am
          JOIN bench_inv b ON am.ref = 'BENCH-' || b.id
        """
    )
    cr.execute("CREATE INDEX ON bench_move (move_id)")
    # Lines: the receivable line carries the due date and the residual.
    sign = "CASE WHEN t.display_type = 'payment_term' THEN 1 ELSE -1 END"
    foreign = f"CASE WHEN m.foreign_currency THEN {1 / rate} ELSE 1 END"
    cr.execute(
        clone_sql(
            cr,
            "account_move_line",
            {
                "move_id": "m.move_id",
                "partner_id": "m.partner_id",
                "move_name": "'BENCH/' || m.id",
                "date": "m.due_date - 30",
                "invoice_date": "m.due_date - 30",
                "date_maturity": "CASE WHEN t.display_type = 'payment_term' "
                "THEN m.due_date ELSE t.date_maturity END",
                "currency_id": f"CASE WHEN m.foreign_currency THEN {eur.id} "
                "ELSE t.currency_id END",
                "debit": "CASE WHEN t.display_type = 'payment_term' "
                "THEN m.amount ELSE 0 END",
                "credit": "CASE WHEN t.display_type = 'payment_term' "
                "THEN 0 ELSE m.amount END",
                "balance": f"{sign} * m.amount",
                "amount_currency": f"round({sign} * m.amount * {foreign}, 2)",
                "amount_residual": "CASE WHEN t.display_type = 'payment_term' "
                "THEN m.amount - m.paid ELSE 0 END",
                "amount_residual_currency": "CASE WHEN t.display_type = "
                f"'payment_term' THEN round((m.amount - m.paid) * {foreign}, 2) "
                "ELSE 0 END",
                "reconciled": "CASE WHEN t.display_type = 'payment_term' "
                "THEN m.paid = m.amount ELSE t.reconciled END",
                "price_unit": "m.amount",
                "price_subtotal": "m.amount",
                "price_total": "m.amount",
                "matching_number": "NULL",
                "full_reconcile_id": "NULL",
            },
            "account_move_line t CROSS JOIN bench_move m",
            "t.move_id = %s",
        ),
        [invoice.id],
    )

    # One payment per customer for what it paid, reconciled with its invoices.
    cr.execute(
        """
        CREATE TEMP TABLE bench_pay ON COMMIT DROP AS
        SELECT partner_id, SUM(paid) AS paid, MAX(due_date + pay_delay) AS pay_date
          FROM bench_move WHERE paid > 0 GROUP BY partner_id
        """
    )
    cr.execute(
        clone_sql(
            cr,
            "account_move",
            {
                "partner_id": "p.partner_id",
                "commercial_partner_id": "p.partner_id",
                "name": "'BPAY/' || p.partner_id",
                "sequence_prefix": "'BPAY/'",
                "sequence_number": "p.partner_id",
                "ref": "'BPAY-' || p.partner_id",
                "date": "LEAST(p.pay_date, current_date)",
                "amount_total": "p.paid",
                "amount_total_signed": "p.paid",
                "amount_total_in_currency_signed": "p.paid",
                "origin_payment_id": "NULL",
            },
            "account_move t CROSS JOIN bench_pay p",
            "t.id = %s",
        ),
        [payment.move_id.id],
    )
    cr.execute(
        clone_sql(
            cr,
            "account_move_line",
            {
                "move_id": "pm.id",
                "partner_id": "p.partner_id",
                "move_name": "pm.name",
                "date": "pm.date",
                "date_maturity": "pm.date",
                "debit": "CASE WHEN t.balance > 0 THEN p.paid ELSE 0 END",
                "credit": "CASE WHEN t.balance < 0 THEN p.paid ELSE 0 END",
                "balance": "sign(t.balance) * p.paid",
                "amount_currency": "sign(t.balance) * p.paid",
                "amount_residual": "0",
                "amount_residual_currency": "0",
                "reconciled": "t.balance < 0 OR t.reconciled",
                "payment_id": "NULL",
                "matching_number": "NULL",
                "full_reconcile_id": "NULL",
            },
            "account_move_line t JOIN bench_pay p ON TRUE "
            "JOIN account_move pm ON pm.ref = 'BPAY-' || p.partner_id",
            "t.move_id = %s",
        ),
        [payment.move_id.id],
    )
    cr.execute(
        """
        INSERT INTO account_partial_reconcile
               (debit_move_id, credit_move_id, amount, debit_amount_currency,
                credit_amount_currency, company_id, debit_currency_id,
                credit_currency_id, max_date, create_uid, write_uid,
                create_date, write_date)
        SELECT inv_line.id, pay_line.id, m.paid, inv_line.amount_currency
                   - inv_line.amount_residual_currency, m.paid, inv_line.company_id,
               inv_line.currency_id, pay_line.currency_id,
               LEAST(m.due_date + m.pay_delay, current_date), 1, 1, now(), now()
          FROM bench_move m
          JOIN account_move_line inv_line
            ON inv_line.move_id = m.move_id AND inv_line.display_type = 'payment_term'
          JOIN account_move pm ON pm.ref = 'BPAY-' || m.partner_id
          JOIN account_move_line pay_line
            ON pay_line.move_id = pm.id AND pay_line.balance < 0
         WHERE m.paid > 0
        """
    )

    # Confirmed sale orders not invoiced, for 30 % of the customers.
    cr.execute(
        clone_sql(
            cr,
            "sale_order",
            {
                "partner_id": "p.id",
                "partner_invoice_id": "p.id",
                "partner_shipping_id": "p.id",
                "name": "'BSO/' || p.id",
                "client_order_ref": "'BSO-' || p.id",
                "access_token": "NULL",
                "amount_untaxed": "o.amount",
                "amount_total": "o.amount",
            },
            "res_partner p CROSS JOIN LATERAL (SELECT round((100 + random() * 2000"
            " + 0 * p.id)::numeric, 2) AS amount) o CROSS JOIN sale_order t",
            "p.name LIKE 'Bench Customer %%' AND p.id %% 10 < 3 AND t.id = %s",
        ),
        [order.id],
    )
    cr.execute(
        clone_sql(
            cr,
            "sale_order_line",
            {
                "order_id": "so.id",
                "order_partner_id": "so.partner_id",
                "price_unit": "so.amount_total",
                "price_subtotal": "so.amount_total",
                "price_total": "so.amount_total",
                "untaxed_amount_to_invoice": "so.amount_total",
            },
            "sale_order_line t JOIN sale_order so ON so.name LIKE 'BSO/%%'",
            "t.order_id = %s",
        ),
        [order.id],
    )
    cr.execute("ANALYZE")
    cr.execute(
        "SELECT (SELECT count(*) FROM res_partner WHERE name LIKE 'Bench Customer %%'),"
        " (SELECT count(*) FROM account_move_line), (SELECT count(*) FROM sale_order)"
    )
    return cr.fetchone()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=".local/odoo.conf")
    parser.add_argument("--db", required=True)
    parser.add_argument("--size", choices=SIZES, default="S")
    parser.add_argument("--customers", type=int, help="overrides --size")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    customers = args.customers or SIZES[args.size]
    start = time.perf_counter()
    with Registry(args.db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        partners, lines, orders = generate(env, customers, args.seed)
        # Kept in the database, so that RESULTS.md can say how long it took.
        env["ir.config_parameter"].set_param(
            "bench.generate_seconds", f"{time.perf_counter() - start:.1f}"
        )
    print(
        f"generated {partners} customers, {lines} move lines, {orders} sale orders "
        f"in {time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main()
