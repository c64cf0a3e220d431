from . import credit_aging_report
from . import credit_collection_report
