from . import test_billing_run
from . import test_billing_jobs
from . import test_invoice_agreement
from . import test_billing_demo
from . import test_billing_access
from . import test_sending
from . import test_einvoice
from . import test_invoice_report
