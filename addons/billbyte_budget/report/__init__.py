from . import budget_report
