from . import test_api_auth
from . import test_api_customers
