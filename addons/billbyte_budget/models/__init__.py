from . import cloud_budget
from . import budget_threshold
from . import budget_service_limit
from . import budget_alert
from . import budget_evaluation
from . import cloud_account
