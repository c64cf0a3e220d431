from . import credit_aging_report
