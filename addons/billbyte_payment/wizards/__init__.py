from . import payment_provider_setup
from . import billbyte_payment_allocate
from . import billbyte_payment_allocate_line
