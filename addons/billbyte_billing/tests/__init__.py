from . import test_billing_run
from . import test_billing_jobs
from . import test_invoice_agreement
from . import test_billing_demo
from . import test_billing_access
from . import test_reconciliation
from . import test_accruals
from . import test_reconciliation_partner_center
