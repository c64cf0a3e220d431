from . import test_credit_delivery
from . import test_credit_delivery_access
from . import test_credit_stock_i18n
