"""Fill a database with a realistic receivables ledger, fast and deterministic.

One invoice, one payment, one journal entry and one sale order are made through the
ORM as templates; everything else is cloned from them in bulk SQL (INSERT ... SELECT
over generate_series). Every figure is a pseudo-random draw derived from a hash of
(seed, what is drawn, customer number, invoice number) — ``bench_u`` below — never
from ``random()``: PostgreSQL is free to evaluate a volatile function once for a
whole uncorrelated sub-query (it did: at M, the 10,000 customers all had the same
ten invoices), and its evaluation order is not part of any contract.

Each customer has habits, drawn once (see bench/README.md for the distributions):

- a lateness profile: punctual, a few days late, chronically late, deteriorating
  (on time in the past, later and later) or defaulting (stopped paying);
- a size (its typical invoice amount), payment terms, how long it has been a
  customer, whether it disputes some invoices, pays part of some, pays by post-dated
  cheque, has an opening balance without due date (migrated);
- a country, abroad for a share of them, and then mostly its own currency.

Ten posted invoices per customer follow from those habits (amount, dates, terms,
paid, half paid or open); one payment per customer (two with a post-dated cheque)
settles what it paid, reconciled invoice by invoice through account_partial_reconcile
rows dated when each invoice was paid; confirmed, not invoiced sale orders for 30 %
of the customers; one very large customer with as many invoices as there are
customers (five years of history, ≈ 95 % settled), the "huge partner" of the
confirm-time check.

Usage (from the repository root, after scripts/run or scripts/test made .venv):
    .venv/bin/python bench/generate.py --db credit_bench_s --size S
"""

import argparse
import logging
import time

SIZES = {"S": 1_000, "M": 10_000, "L": 100_000}
INVOICES_PER_CUSTOMER = 10  # S/M/L: 20k/200k/2M receivable + income lines

# (country xml id, currency code or None for the company's, share of customers):
# 80 % at home in the company currency, 20 % abroad, most of them invoiced in their
# own currency. Rates: units of the currency per unit of the company currency.
COUNTRIES = [
    ("base.de", "EUR", 0.06),
    ("base.fr", "EUR", 0.04),
    ("base.nl", "EUR", 0.02),
    ("base.uk", "GBP", 0.03),
    ("base.ch", "CHF", 0.02),
    ("base.ca", "CAD", 0.01),
    ("base.mx", None, 0.02),  # abroad, invoiced in the company currency
]
RATES = {"EUR": 0.9, "GBP": 0.78, "CHF": 0.88, "CAD": 1.36}

# Lateness profiles: (code, share of customers). Days late = mean + sd × N(0, 1) per
# invoice, with mean and sd drawn per customer in these ranges.
PROFILES = [
    ("punctual", 0.40),  # mean −4 … 0 days, sd 1.5
    ("late", 0.30),  # mean 3 … 18, sd 5
    ("chronic", 0.15),  # mean 25 … 120, sd 20
    ("deteriorating", 0.10),  # 0 days at its first invoice → 30 … 120 at its last
    ("defaulting", 0.05),  # mean 10 … 40, sd 10; nothing paid since 30 … 240 days
]
# Payment terms (days): (days, share of customers).
TERMS = [(0, 0.10), (15, 0.20), (30, 0.45), (45, 0.15), (60, 0.10)]

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


def cumulative_case(draw, choices):
    """SQL CASE picking choices[i][0] when ``draw`` falls in its cumulative share."""
    parts, total = [], 0.0
    for value, share in choices[:-1]:
        total += share
        parts.append(f"WHEN {draw} < {total:.6f} THEN {value}")
    return f"CASE {' '.join(parts)} ELSE {choices[-1][0]} END"


def create_draw_functions(cr, seed):
    """pg_temp.bench_u(salt, a, b): uniform in [0, 1) from md5(seed/salt/a/b);
    pg_temp.bench_n(salt, a, b): standard normal (Box–Muller on two of them).
    Immutable: the same arguments give the same value, in any plan. Every
    operation in them is immutable too (explicit ::text casts: ``bigint || text``
    is only stable), so that PostgreSQL inlines them (3× faster than a call)."""
    cr.execute(
        f"""
        CREATE FUNCTION pg_temp.bench_u(salt text, a bigint, b bigint DEFAULT 0)
        RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT ('x' || substr(md5('{int(seed)}/' || salt || '/' || a::text
                                      || '/' || b::text), 1, 13))::bit(52)::bigint
                   ::float8 / 4503599627370496.0::float8
        $$;
        CREATE FUNCTION pg_temp.bench_n(salt text, a bigint, b bigint DEFAULT 0)
        RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT sqrt(-2 * ln(1 - pg_temp.bench_u(salt || '.1', a, b)))
                   * cos(2 * pi() * pg_temp.bench_u(salt || '.2', a, b))
        $$;
        """
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
    # An opening balance carried over from a previous system: a journal entry on
    # the receivable account, without due date.
    journal = env["account.journal"].search(
        [("type", "=", "general"), ("company_id", "=", company.id)], limit=1
    )
    equity = env["account.account"].search(
        [
            ("account_type", "in", ("equity_unaffected", "equity")),
            ("company_ids", "in", company.ids),
        ],
        limit=1,
    )
    receivable = partner.property_account_receivable_id
    opening = env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": fields.Date.today(),
            "ref": "Opening balance",
            "line_ids": [
                Command.create(
                    {
                        "name": "Opening balance",
                        "account_id": receivable.id,
                        "partner_id": partner.id,
                        "debit": 100.0,
                    }
                ),
                Command.create(
                    {
                        "name": "Opening balance",
                        "account_id": equity.id,
                        "credit": 100.0,
                    }
                ),
            ],
        }
    )
    opening.action_post()
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
    # Foreign currencies, active, with a rate for the company.
    currencies = {}
    for code, rate in RATES.items():
        currency = env.ref(f"base.{code}")
        if currency == company.currency_id:
            continue
        currency.active = True
        if not currency.rate_ids.filtered(lambda r: r.company_id == company):
            env["res.currency.rate"].create(
                {
                    "currency_id": currency.id,
                    "rate": rate,
                    "name": "2000-01-01",
                    "company_id": company.id,
                }
            )
        currencies[code] = (currency.id, rate)
    env.flush_all()
    return partner, invoice, payment, opening, order, currencies


def country_sql(env, draw, currencies):
    """CASE expressions giving (country id, currency id, rate) for a draw in [0, 1)."""
    company = env.company
    home = company.country_id or env.ref("base.us")
    country, currency, rate, total = [], [], [], 0.0
    for xml_id, code, share in COUNTRIES:
        total += share
        currency_id, currency_rate = currencies.get(code, ("NULL", 1))
        condition = f"WHEN {draw} < {total:.6f}"
        country.append(f"{condition} THEN {env.ref(xml_id).id}")
        currency.append(f"{condition} THEN {currency_id}")
        rate.append(f"{condition} THEN {currency_rate}")
    return (
        f"CASE {' '.join(country)} ELSE {home.id} END",
        f"CASE {' '.join(currency)} ELSE NULL END",
        f"CASE {' '.join(rate)} ELSE 1 END",
    )


def generate(env, customers, seed):
    cr = env.cr
    partner, invoice, payment, opening, order, currencies = make_templates(env)
    create_draw_functions(cr, seed)
    u = "pg_temp.bench_u"
    normal = "pg_temp.bench_n"

    # Customers and their habits, drawn once per customer number n (each draw
    # computed once, in the inner query, then bucketed).
    country, currency, rate = country_sql(env, "d_country", currencies)
    home = (env.company.country_id or env.ref("base.us")).id
    profile = cumulative_case(
        "d_profile", [(f"'{code}'", share) for code, share in PROFILES]
    )
    terms = cumulative_case("d_terms", TERMS)
    cr.execute(
        f"""
        CREATE TEMP TABLE bench_cust ON COMMIT DROP AS
        SELECT n,
               -- the huge customer (n = 1) is punctual
               CASE WHEN n = 1 THEN 'punctual' ELSE {profile} END AS profile,
               mean_draw,
               -- typical invoice amount: log-uniform, 100 to 10,000
               round(exp(ln(100) + d_size * ln(100))::numeric, 2) AS size,
               {terms} AS terms,
               -- customer since: 30 days to 5 years, one in five for less than
               -- six months
               30 + round(1795 * power(d_since, 1.5))::int AS since,
               d_dispute < 0.15 AS disputes,
               d_postdated < 0.02 AS postdated,
               d_opening < 0.01 AS opening,
               d_order < 0.30 AS has_order,
               -- the huge customer is at home
               CASE WHEN n = 1 THEN {home} ELSE {country} END AS country_id,
               CASE WHEN n = 1 THEN NULL ELSE {currency} END AS currency_id,
               CASE WHEN n = 1 THEN 1 ELSE {rate} END AS rate
          FROM (SELECT n, {u}('country', n) AS d_country,
                       {u}('profile', n) AS d_profile, {u}('terms', n) AS d_terms,
                       {u}('mean', n) AS mean_draw, {u}('size', n) AS d_size,
                       {u}('since', n) AS d_since, {u}('dispute', n) AS d_dispute,
                       {u}('postdated', n) AS d_postdated,
                       {u}('opening', n) AS d_opening, {u}('order', n) AS d_order
                  FROM generate_series(1, %s) n
                OFFSET 0) draws
        """,
        [customers],
    )
    cr.execute(
        """
        ALTER TABLE bench_cust ADD COLUMN mean float, ADD COLUMN sd float,
                               ADD COLUMN stop_days int, ADD COLUMN partner_id int;
        UPDATE bench_cust SET
               mean = CASE profile
                      WHEN 'punctual' THEN -4 + 4 * mean_draw
                      WHEN 'late' THEN 3 + 15 * mean_draw
                      WHEN 'chronic' THEN 25 + 95 * mean_draw
                      WHEN 'deteriorating' THEN 30 + 90 * mean_draw
                      ELSE 10 + 30 * mean_draw END,
               sd = CASE profile
                    WHEN 'punctual' THEN 1.5 WHEN 'late' THEN 5 WHEN 'chronic' THEN 20
                    WHEN 'deteriorating' THEN 4 ELSE 10 END,
               stop_days = CASE WHEN profile = 'defaulting'
                           THEN 30 + (210 * pg_temp.bench_u('stop', n))::int END;
        """
    )
    cr.execute(
        clone_sql(
            cr,
            "res_partner",
            {
                "name": "'Bench Customer ' || lpad(c.n::text, 6, '0')",
                "complete_name": "'Bench Customer ' || lpad(c.n::text, 6, '0')",
                "customer_rank": "1",
                "commercial_partner_id": "NULL",
                "country_id": "c.country_id",
            },
            "res_partner t CROSS JOIN (SELECT * FROM bench_cust ORDER BY n) c",
            "t.id = %s",
        ),
        [partner.id],
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE name LIKE 'Bench Customer %%' AND commercial_partner_id IS NULL"
    )
    cr.execute(
        """
        UPDATE bench_cust c SET partner_id = p.id
          FROM res_partner p
         WHERE p.name = 'Bench Customer ' || lpad(c.n::text, 6, '0');
        CREATE INDEX ON bench_cust (n);
        ANALYZE bench_cust;
        """
    )

    # Invoices: ten per customer, figures from its habits and per-invoice draws:
    # the first when it became a customer, the other nine over its last year (or
    # its whole history, when shorter). The huge customer (n = 1) gets as many more
    # as there are customers, over five years.
    cr.execute(
        f"""
        CREATE TEMP TABLE bench_inv ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY c.n, k) AS id, c.partner_id, c.n, k,
               GREATEST(round((c.size * exp(0.5 * {normal}('amount', c.n, k)))
                              ::numeric, 2), 10.00) AS amount,
               current_date - (CASE WHEN k > {INVOICES_PER_CUSTOMER}
                                    THEN 1 + ({u}('date', c.n, k) * 1825)::int
                                    WHEN k = 1 THEN c.since
                                    ELSE ({u}('date', c.n, k)
                                          * LEAST(c.since, 365))::int END)
                   AS invoice_date,
               c.terms, c.currency_id, c.rate, c.profile, c.mean, c.sd, c.since,
               c.stop_days, c.postdated,
               c.disputes AND k <= {INVOICES_PER_CUSTOMER}
                   AND {u}('disputed', c.n, k) < 0.25 AS disputed,
               {u}('partial', c.n, k) < CASE WHEN k > {INVOICES_PER_CUSTOMER}
                                             THEN 0.02 ELSE 0.08 END AS partial,
               k > {INVOICES_PER_CUSTOMER}
                   AND {u}('left_open', c.n, k) < 0.03 AS left_open,
               {normal}('delay', c.n, k) AS delay_draw
          FROM bench_cust c
         CROSS JOIN LATERAL generate_series(
               1, {INVOICES_PER_CUSTOMER}
                  + CASE WHEN c.n = 1 THEN %s ELSE 0 END) k
        """,
        [customers],
    )
    cr.execute(
        """
        ALTER TABLE bench_inv ADD COLUMN due_date date, ADD COLUMN pay_date date,
                              ADD COLUMN paid numeric, ADD COLUMN post_dated bool;
        UPDATE bench_inv SET due_date = invoice_date + terms;
        -- Days late of this invoice by the customer's profile; never paid before
        -- it was issued.
        UPDATE bench_inv SET pay_date = GREATEST(invoice_date, due_date + round(
            CASE WHEN profile = 'deteriorating'
                 -- progress: 0 at the start of the relationship, 1 today
                 THEN mean * power(GREATEST(1 - (current_date - invoice_date)
                                                / GREATEST(since, 1)::float, 0), 2)
                      + sd * delay_draw
                 ELSE mean + sd * delay_draw END)::int);
        UPDATE bench_inv SET post_dated = postdated AND pay_date > current_date
                                          AND pay_date <= current_date + 14;
        -- A short payment: half paid on time for its profile, the rest 20 to 90
        -- days later (then the invoice counts as paid on that later date).
        ALTER TABLE bench_inv ADD COLUMN rest_date date;
        UPDATE bench_inv SET rest_date = pay_date
            + 20 + (70 * pg_temp.bench_u('rest', n, k))::int WHERE partial;
        UPDATE bench_inv SET
            paid = CASE
                WHEN disputed OR left_open THEN 0
                WHEN profile = 'defaulting'
                     AND invoice_date > current_date - stop_days THEN 0
                WHEN pay_date > current_date AND NOT post_dated THEN 0
                WHEN partial AND rest_date > current_date THEN round(amount / 2, 2)
                ELSE amount END,
            pay_date = CASE WHEN partial AND rest_date <= current_date
                            THEN rest_date ELSE pay_date END;
        UPDATE bench_inv SET post_dated = post_dated AND paid > 0;
        CREATE INDEX ON bench_inv (id);
        ANALYZE bench_inv;
        """
    )
    company_currency = env.company.currency_id.id
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
                "date": "b.invoice_date",
                "invoice_date": "b.invoice_date",
                "invoice_date_due": "b.due_date",
                "narration": "CASE WHEN b.disputed "
                "THEN '<p>Disputed by the customer</p>' END",
                "currency_id": f"COALESCE(b.currency_id, {company_currency})",
                "invoice_currency_rate": "b.rate",
                "amount_untaxed": "round(b.amount * b.rate, 2)",
                "amount_total": "round(b.amount * b.rate, 2)",
                "amount_residual": "round((b.amount - b.paid) * b.rate, 2)",
                "amount_untaxed_signed": "b.amount",
                "amount_untaxed_in_currency_signed": "round(b.amount * b.rate, 2)",
                "amount_total_signed": "b.amount",
                "amount_total_in_currency_signed": "round(b.amount * b.rate, 2)",
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
    receivable = "t.display_type = 'payment_term'"
    cr.execute(
        clone_sql(
            cr,
            "account_move_line",
            {
                "move_id": "m.move_id",
                "partner_id": "m.partner_id",
                "move_name": "'BENCH/' || m.id",
                "date": "m.invoice_date",
                "invoice_date": "m.invoice_date",
                "date_maturity": f"CASE WHEN {receivable} "
                "THEN m.due_date ELSE t.date_maturity END",
                "currency_id": f"COALESCE(m.currency_id, {company_currency})",
                "debit": f"CASE WHEN {receivable} THEN m.amount ELSE 0 END",
                "credit": f"CASE WHEN {receivable} THEN 0 ELSE m.amount END",
                "balance": f"{sign} * m.amount",
                "amount_currency": f"{sign} * round(m.amount * m.rate, 2)",
                "amount_residual": f"CASE WHEN {receivable} "
                "THEN m.amount - m.paid ELSE 0 END",
                "amount_residual_currency": f"CASE WHEN {receivable} "
                "THEN round((m.amount - m.paid) * m.rate, 2) ELSE 0 END",
                "reconciled": f"CASE WHEN {receivable} "
                "THEN m.paid = m.amount ELSE t.reconciled END",
                "price_unit": "round(m.amount * m.rate, 2)",
                "price_subtotal": "round(m.amount * m.rate, 2)",
                "price_total": "round(m.amount * m.rate, 2)",
                "matching_number": "NULL",
                "full_reconcile_id": "NULL",
            },
            "account_move_line t CROSS JOIN bench_move m",
            "t.move_id = %s",
        ),
        [invoice.id],
    )

    # Payments: one per customer for what it paid (a second one, dated in the next
    # two weeks, for a post-dated cheque), reconciled with each invoice it paid,
    # the partial dated when that invoice was paid (what the payment history reads).
    cr.execute(
        """
        CREATE TEMP TABLE bench_pay ON COMMIT DROP AS
        SELECT partner_id, post_dated, SUM(paid) AS paid, MAX(pay_date) AS pay_date,
               'BPAY-' || partner_id || CASE WHEN post_dated THEN '-PDC' ELSE '' END
                   AS ref,
               2 * partner_id + post_dated::int AS number
          FROM bench_move WHERE paid > 0 GROUP BY partner_id, post_dated
        """
    )
    cr.execute(
        clone_sql(
            cr,
            "account_move",
            {
                "partner_id": "p.partner_id",
                "commercial_partner_id": "p.partner_id",
                "name": "'BPAY/' || p.number",
                "sequence_prefix": "'BPAY/'",
                "sequence_number": "p.number",
                "ref": "p.ref",
                "date": "p.pay_date",
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
            "JOIN account_move pm ON pm.ref = p.ref",
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
               m.pay_date, 1, 1, now(), now()
          FROM bench_move m
          JOIN account_move_line inv_line
            ON inv_line.move_id = m.move_id AND inv_line.display_type = 'payment_term'
          JOIN account_move pm
            ON pm.ref = 'BPAY-' || m.partner_id
                        || CASE WHEN m.post_dated THEN '-PDC' ELSE '' END
          JOIN account_move_line pay_line
            ON pay_line.move_id = pm.id AND pay_line.balance < 0
         WHERE m.paid > 0
        """
    )

    # Opening balances without due date (migrated), open, for 1 % of customers.
    cr.execute(
        f"""
        CREATE TEMP TABLE bench_open ON COMMIT DROP AS
        SELECT c.partner_id, c.n,
               current_date - c.since - 1 - ({u}('opening_date', c.n) * 60)::int
                   AS date,
               round((c.size * (0.2 + {u}('opening_amount', c.n)))::numeric, 2)
                   AS amount
          FROM bench_cust c WHERE c.opening
        """
    )
    cr.execute(
        clone_sql(
            cr,
            "account_move",
            {
                "partner_id": "o.partner_id",
                "commercial_partner_id": "o.partner_id",
                "name": "'BOPEN/' || o.n",
                "sequence_prefix": "'BOPEN/'",
                "sequence_number": "o.n",
                "ref": "'BOPEN-' || o.n",
                "date": "o.date",
                "amount_total": "o.amount",
                "amount_total_signed": "o.amount",
                "amount_total_in_currency_signed": "o.amount",
            },
            "account_move t CROSS JOIN bench_open o",
            "t.id = %s",
        ),
        [opening.id],
    )
    cr.execute(
        clone_sql(
            cr,
            "account_move_line",
            {
                "move_id": "om.id",
                "partner_id": "CASE WHEN t.partner_id IS NULL THEN NULL "
                "ELSE o.partner_id END",
                "move_name": "om.name",
                "date": "o.date",
                "date_maturity": "NULL",
                "debit": "CASE WHEN t.balance > 0 THEN o.amount ELSE 0 END",
                "credit": "CASE WHEN t.balance < 0 THEN o.amount ELSE 0 END",
                "balance": "sign(t.balance) * o.amount",
                "amount_currency": "sign(t.balance) * o.amount",
                "amount_residual": "CASE WHEN t.balance > 0 THEN o.amount "
                "ELSE t.amount_residual END",
                "amount_residual_currency": "CASE WHEN t.balance > 0 THEN o.amount "
                "ELSE t.amount_residual_currency END",
                "matching_number": "NULL",
                "full_reconcile_id": "NULL",
            },
            "account_move_line t JOIN bench_open o ON TRUE "
            "JOIN account_move om ON om.ref = 'BOPEN-' || o.n",
            "t.move_id = %s",
        ),
        [opening.id],
    )

    # Confirmed sale orders not invoiced, for 30 % of the customers, of about
    # the customer's size.
    cr.execute(
        clone_sql(
            cr,
            "sale_order",
            {
                "partner_id": "c.partner_id",
                "partner_invoice_id": "c.partner_id",
                "partner_shipping_id": "c.partner_id",
                "name": "'BSO/' || c.partner_id",
                "client_order_ref": "'BSO-' || c.partner_id",
                "access_token": "NULL",
                "amount_untaxed": "c.order_amount",
                "amount_total": "c.order_amount",
            },
            f"(SELECT partner_id, round((size * (0.5 + 2 * {u}('order_amount', n)))"
            "::numeric, 2) AS order_amount FROM bench_cust WHERE has_order "
            "ORDER BY n) c CROSS JOIN sale_order t",
            "t.id = %s",
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
    # Followers, as Odoo leaves them: a customer follows its invoices and its
    # confirmed orders (subscribed when they are posted or confirmed), with
    # the default subtype. Without them mail_followers was empty, unlike any
    # database in use, and PostgreSQL checked the foreign key of each
    # follower's subtype the re-rating adds by reading the whole table, a
    # plan made for the empty table it was at the first batch: 37 s of the
    # 139 s re-rating at L (bench/ANALYSIS.md).
    cr.execute(
        """
        INSERT INTO mail_followers (res_model, res_id, partner_id)
        SELECT 'account.move', am.id, am.partner_id
          FROM account_move am
         WHERE am.move_type IN ('out_invoice', 'out_refund')
           AND am.partner_id IS NOT NULL
         UNION ALL
        SELECT 'sale.order', so.id, so.partner_id
          FROM sale_order so
         WHERE so.name LIKE 'BSO/%%' AND so.state = 'sale'
            ON CONFLICT DO NOTHING
        """
    )
    cr.execute(
        """
        INSERT INTO mail_followers_mail_message_subtype_rel
               (mail_followers_id, mail_message_subtype_id)
        SELECT f.id, %s FROM mail_followers f
         WHERE f.res_model IN ('account.move', 'sale.order')
           AND NOT EXISTS (
                   SELECT 1 FROM mail_followers_mail_message_subtype_rel r
                    WHERE r.mail_followers_id = f.id
               )
            ON CONFLICT DO NOTHING
        """,
        [env.ref("mail.mt_comment").id],
    )
    cr.execute(
        """
        SELECT profile, count(*) FROM bench_cust GROUP BY 1 ORDER BY 1;
        """
    )
    _logger.info("profiles: %s", dict(cr.fetchall()))
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
