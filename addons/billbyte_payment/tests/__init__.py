from . import test_partner_accounts
from . import test_paypal
from . import test_stripe
from . import test_provider_setup
from . import test_payment_accounting
from . import test_standard_groups
from . import test_wallet
from . import test_autopay
