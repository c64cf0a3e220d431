"""19.0.1.2.0: the credit information file.

The external rating typed on a customer (res_partner.credit_external_rating and
credit_external_rating_date, one value for all companies) becomes a rating of
the "Internal assessment" agency (scale 0–100, so its score is the value), dated
as it was, in every company the customer belongs to (all companies for a shared
customer). A rating without a date was not used by the score: it is not moved.
The two columns are then dropped.

Companies that weigh their scoring factors already get the new factors
(solvency, liquidity, country risk) at weight 0 (the data hook does it): their
scores do not change until a credit manager weighs them.
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists


def migrate(cr, version):
    if not column_exists(cr, "res_partner", "credit_external_rating_date"):
        return
    cr.execute(
        SQL(
            """
        INSERT INTO credit_rating
               (partner_id, company_id, agency_id, date, rating, score,
                create_uid, create_date, write_uid, write_date)
        SELECT p.id, c.id, agency.res_id, p.credit_external_rating_date,
               p.credit_external_rating::text, p.credit_external_rating,
               1, now() at time zone 'UTC', 1, now() at time zone 'UTC'
          FROM res_partner p
          JOIN res_company c ON p.company_id IS NULL OR p.company_id = c.id
          JOIN ir_model_data agency
            ON agency.module = 'credit_management'
           AND agency.name = 'credit_agency_internal'
         WHERE p.credit_external_rating_date IS NOT NULL
           AND p.parent_id IS NULL
            """
        )
    )
    cr.execute(
        SQL(
            "ALTER TABLE res_partner DROP COLUMN credit_external_rating, "
            "DROP COLUMN credit_external_rating_date"
        )
    )
