from . import test_credit_exposure
from . import test_credit_check
from . import test_credit_approval
from . import test_credit_access
