from . import portal
from . import wallet_portal
from . import autopay_portal
