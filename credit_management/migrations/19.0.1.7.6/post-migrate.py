"""19.0.1.7.6: the Second Approvers group reads credit figures.

A company could name a group of its own (say, its CFOs, in no credit group)
to give the second signature of large limit increases: its members were
given the activity and could not open the request. A group chosen from now
on is made to imply "Read Credit Figures" when it is chosen; the groups
chosen before are given it here, and each is logged.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    reader = env.ref("credit_management.group_credit_reader")
    companies = env["res.company"].search([("credit_request_group_id", "!=", False)])
    for company in companies:
        group = company.credit_request_group_id
        if reader not in group.all_implied_ids:
            _logger.warning(
                "credit_management: %s (Second Approvers of %s) now reads credit "
                "figures",
                group.display_name,
                company.name,
            )
    companies._credit_request_group_reads()
