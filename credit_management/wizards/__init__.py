from . import credit_approval_wizard
from . import credit_scoring_wizard
from . import credit_aging_wizard
from . import credit_audit_wizard
from . import credit_collection_wizard
from . import credit_collection_wizard_line
