from . import payment_provider_setup
from . import billbyte_payment_allocate
from . import billbyte_payment_allocate_line
from . import billbyte_discount_credit
from . import billbyte_discount_credit_line
