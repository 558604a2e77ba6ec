from . import test_billing_run
