from . import usage_import_wizard
from . import usage_assign_wizard
