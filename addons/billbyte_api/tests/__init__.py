from . import test_api_auth
from . import test_api_customers
from . import test_api_billing
from . import test_webhooks
from . import test_portal_tour
from . import test_api_seat_audit
