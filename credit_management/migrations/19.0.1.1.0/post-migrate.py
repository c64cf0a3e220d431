"""19.0.1.1.0: scheduled-run bookkeeping and credit approvals become records.

Credit approvals move from fields of sale.order to credit.approval records (one
per approved order): approver, date, reason, customer, exposure, limit and the
reasons overridden are kept as they were. What the old fields did not hold is
filled so that every approval keeps the meaning it had (it covered the order
whatever the reasons, with no end date; a limit of 0 at approval meant no limit):
the rules overridden are all four
rules, and the approval is valid until 30 days after the upgrade (the default
validity from the upgrade day). The approved amount was in company currency; it
is kept as is for orders in company currency, and for the others the order's
total at the upgrade stands in for it. Approvals of cancelled orders are closed
as revoked. The old columns are then dropped.

"No credit limit" becomes explicit (res.partner.credit_limit_applies): a limit
of 0 meant no limit, so the limit applies exactly where it was above 0, per
company (and where a company's default limit above 0 stood in for it). Reviews
get the same flag for their limits before and after, and their proposed grade
is the grade they gave.

Credit grades get a currency of their own: a company's grade takes the
company's currency; a grade shared between companies takes the currency of the
main company (the first company), the amount it meant there.

The re-rating bookkeeping moves off res_company onto run records, and the two
re-rating jobs move from credit.scoring to credit.rerate (their scheduled actions
are kept, with their schedule, and pointed at the new model).

A periodic re-rating in progress (res_company.credit_rerate_cutoff) becomes a
running "rerate" run started at the same cutoff, so the pass resumes where it
stopped with the same run reference; the last overdue event pass
(res_company.credit_event_pass_date) becomes a finished "rerate_event" run of
that day, so the next pass looks for events from there. The two columns are
then dropped.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL
from odoo.tools.sql import column_exists


def migrate(cr, version):
    _migrate_crons(cr)
    _migrate_runs(cr)
    _migrate_approvals(cr)
    _migrate_limits(cr)
    _migrate_grade_currency(cr)


def _migrate_crons(cr):
    cr.execute(
        """
        UPDATE ir_act_server a
           SET model_id = m.id
          FROM ir_cron c, ir_model_data d, ir_model m
         WHERE a.id = c.ir_actions_server_id
           AND d.model = 'ir.cron' AND d.res_id = c.id
           AND d.module = 'credit_management'
           AND d.name IN ('ir_cron_credit_rerate', 'ir_cron_credit_rerate_events')
           AND m.model = 'credit.rerate'
        """
    )


def _migrate_grade_currency(cr):
    # The new column was filled with a default currency when it was added:
    # set the intended one (this runs once, when upgrading to 19.0.1.1.0).
    cr.execute(
        """
        UPDATE credit_grade g
           SET currency_id = COALESCE(
                   (SELECT currency_id FROM res_company WHERE id = g.company_id),
                   (SELECT currency_id FROM res_company ORDER BY id LIMIT 1))
        """
    )


def _migrate_limits(cr):
    cr.execute(
        """
        UPDATE res_partner p
           SET credit_limit_applies = applies.value
          FROM (SELECT id, jsonb_object_agg(key, true) AS value
                  FROM res_partner, jsonb_each_text(credit_limit)
                 WHERE credit_limit IS NOT NULL AND value::float8 > 0
              GROUP BY id) applies
         WHERE applies.id = p.id
        """
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    IrDefault = env["ir.default"]
    field = env["ir.model.fields"]._get("res.partner", "credit_limit")
    for default in IrDefault.search([("field_id", "=", field.id)]):
        if float(default.json_value or 0) > 0:
            IrDefault.set(
                "res.partner",
                "credit_limit_applies",
                True,
                company_id=default.company_id.id or False,
            )
    cr.execute(
        """
        UPDATE credit_review
           SET limit_before_applies = limit_before > 0,
               limit_after_applies = limit_after > 0,
               grade_proposed_id = grade_after_id
        """
    )


def _migrate_approvals(cr):
    if not column_exists(cr, "sale_order", "credit_approval_user_id"):
        return
    cr.execute(
        SQL(
            """
        INSERT INTO credit_approval
               (order_id, company_id, partner_id, user_id, date, date_expiry,
                reason, currency_id, amount, exposure, credit_limit,
                has_credit_limit, blocking_reasons, rule_codes, revoked_date,
                revoked_reason,
                create_uid, create_date, write_uid, write_date)
        SELECT so.id, so.company_id,
               COALESCE(so.credit_approval_partner_id, p.commercial_partner_id),
               so.credit_approval_user_id,
               COALESCE(so.credit_approval_date, so.write_date),
               (now() AT TIME ZONE 'UTC')::date + 30,
               COALESCE(NULLIF(so.credit_approval_reason, ''), '-'),
               so.currency_id,
               CASE WHEN so.currency_id = c.currency_id
                    THEN so.credit_approval_amount ELSE so.amount_total END,
               so.credit_approval_exposure, so.credit_approval_limit,
               COALESCE(so.credit_approval_limit, 0) > 0,
               so.credit_approval_blocking_reasons,
               'hold,prepayment,overdue,limit',
               CASE WHEN so.state = 'cancel' THEN now() AT TIME ZONE 'UTC' END,
               CASE WHEN so.state = 'cancel' THEN 'order cancelled' END,
               so.credit_approval_user_id, now() AT TIME ZONE 'UTC',
               so.credit_approval_user_id, now() AT TIME ZONE 'UTC'
          FROM sale_order so
          JOIN res_company c ON c.id = so.company_id
          JOIN res_partner p ON p.id = so.partner_id
         WHERE so.credit_approval_user_id IS NOT NULL
            """
        )
    )
    cr.execute(
        """
        ALTER TABLE sale_order
            DROP COLUMN credit_approval_user_id,
            DROP COLUMN IF EXISTS credit_approval_date,
            DROP COLUMN IF EXISTS credit_approval_reason,
            DROP COLUMN IF EXISTS credit_approval_partner_id,
            DROP COLUMN IF EXISTS credit_approval_amount,
            DROP COLUMN IF EXISTS credit_approval_exposure,
            DROP COLUMN IF EXISTS credit_approval_limit,
            DROP COLUMN IF EXISTS credit_approval_blocking_reasons
        """
    )


def _migrate_runs(cr):
    if not column_exists(cr, "res_company", "credit_rerate_cutoff"):
        return
    cr.execute(
        SQL(
            """
        INSERT INTO credit_job_run
               (job, company_id, state, date_start, run_ref, todo_count,
                done_count, failed_count, create_uid, create_date, write_uid,
                write_date)
        SELECT 'rerate', c.id, 'running', c.credit_rerate_cutoff,
               to_char(c.credit_rerate_cutoff, 'YYYY-MM-DD HH24:MI:SS'), 0, 0, 0,
               1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM res_company c
         WHERE c.credit_rerate_cutoff IS NOT NULL
            """
        )
    )
    cr.execute(
        SQL(
            """
        INSERT INTO credit_job_run
               (job, company_id, state, date_start, date_end, date_to, run_ref,
                todo_count, done_count, failed_count, create_uid, create_date,
                write_uid, write_date)
        SELECT 'rerate_event', c.id, 'done', c.credit_event_pass_date,
               c.credit_event_pass_date, c.credit_event_pass_date,
               'event ' || to_char(c.credit_event_pass_date, 'YYYY-MM-DD'), 0, 0, 0,
               1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM res_company c
         WHERE c.credit_event_pass_date IS NOT NULL
            """
        )
    )
    cr.execute(
        "ALTER TABLE res_company DROP COLUMN credit_rerate_cutoff, "
        "DROP COLUMN credit_event_pass_date"
    )
