from . import credit_decision
from . import credit_delivery_release
from . import sale_order
from . import stock_picking
