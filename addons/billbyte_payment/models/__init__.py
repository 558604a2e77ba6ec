from . import payment_provider
from . import payment_provider_paypal
from . import payment_provider_stripe
from . import payment_transaction
from . import account_move
from . import res_partner
from . import cloud_account
from . import account_payment
