from . import portal
from . import wallet_portal
