from . import test_budget_evaluation
from . import test_budget_bad_input
from . import test_budget_portal
from . import test_budget_enforcement
