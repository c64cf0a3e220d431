"""19.0.1.3.0: limit governance and the credit decision log.

New tables only (credit.decision, credit.limit.request) and new columns with
their defaults. The decision log starts with the history the database already
holds: every credit approval becomes an "approval" decision, dated and signed as
it was, with the figures it recorded (the amount over the limit where the limit
rule was overridden; the order amount only where the order was in company
currency: approvals stored it in the order's currency). Limit, grade and hold
changes made before the upgrade stay in the chatter (their tracking values),
and are not copied.
"""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            """
        INSERT INTO credit_decision
               (date, kind, source, company_id, partner_id, user_id,
                salesperson_id, order_id, order_name, amount, amount_over_limit,
                exposure, credit_limit, reasons, rule_codes, note, approval_id,
                create_uid, create_date, write_uid, write_date)
        SELECT a.date, 'approval', 'order', a.company_id, a.partner_id, a.user_id,
               o.user_id, a.order_id, o.name,
               CASE WHEN a.currency_id = c.currency_id THEN a.amount END,
               CASE WHEN a.has_credit_limit AND 'limit' = ANY(
                         string_to_array(coalesce(a.rule_codes, ''), ','))
                         AND a.currency_id = c.currency_id
                    THEN greatest(a.exposure + a.amount - a.credit_limit, 0)
                    ELSE 0 END,
               a.exposure, a.credit_limit, a.blocking_reasons, a.rule_codes,
               a.reason, a.id,
               1, now() at time zone 'UTC', 1, now() at time zone 'UTC'
          FROM credit_approval a
          JOIN sale_order o ON o.id = a.order_id
          JOIN res_company c ON c.id = a.company_id
         WHERE NOT EXISTS (
               SELECT 1 FROM credit_decision d WHERE d.approval_id = a.id)
            """
        )
    )
