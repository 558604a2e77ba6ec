from . import payment_provider
from . import payment_provider_paypal
from . import payment_provider_stripe
from . import payment_transaction
from . import account_move
