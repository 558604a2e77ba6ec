from . import test_billing_run
from . import test_billing_jobs
