from . import test_credit_delivery
from . import test_credit_delivery_access
