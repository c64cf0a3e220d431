from . import test_credit_exposure
from . import test_credit_check
from . import test_credit_approval
from . import test_credit_access
from . import test_credit_scoring
from . import test_credit_rerate_cron
from . import test_credit_warning
from . import test_credit_aging
