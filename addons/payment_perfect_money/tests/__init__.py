from . import test_perfect_money
from . import test_perfect_money_credentials
