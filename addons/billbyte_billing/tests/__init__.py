from . import test_billing_run
from . import test_billing_jobs
from . import test_reconciliation
from . import test_accruals
from . import test_reconciliation_partner_center
