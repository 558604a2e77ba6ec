from . import portal
from . import wallet_portal
from . import autopay_portal
from . import payment_method_portal
from . import credit_portal
