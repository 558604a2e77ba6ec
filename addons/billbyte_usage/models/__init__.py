from . import cloud_account
from . import connection
from . import import_run
from . import import_rejection
from . import usage_record
from . import account_analytic_line
from . import usage_pipeline
from . import res_partner
