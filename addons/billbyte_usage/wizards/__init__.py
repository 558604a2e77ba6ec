from . import usage_import_wizard
from . import usage_assign_wizard
from . import connection_account_wizard
from . import connection_account_wizard_line
from . import vendor_invoice_pull_wizard
from . import service_action_wizard
