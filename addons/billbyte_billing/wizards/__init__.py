from . import cloud_account_transfer_wizard
from . import accrual_wizard
from . import license_seats_wizard
from . import license_renewal_wizard
