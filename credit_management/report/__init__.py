from . import credit_aging_report
from . import credit_collection_report
from . import credit_cashin_forecast
