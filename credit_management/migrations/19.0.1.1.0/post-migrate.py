"""19.0.1.1.0: the re-rating bookkeeping moves off res_company onto run records.

A periodic re-rating in progress (res_company.credit_rerate_cutoff) becomes a
running "rerate" run started at the same cutoff, so the pass resumes where it
stopped with the same run reference; the last overdue event pass
(res_company.credit_event_pass_date) becomes a finished "rerate_event" run of
that day, so the next pass looks for events from there. The two columns are
then dropped.
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists


def migrate(cr, version):
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
