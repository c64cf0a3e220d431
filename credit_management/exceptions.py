from odoo.exceptions import UserError


class CreditBlockedError(UserError):
    """The credit check refuses a confirmation. A UserError (callers catching
    UserError see no difference); the web client titles its dialog "Credit
    Check" (static/src/credit_blocked_error.js)."""
