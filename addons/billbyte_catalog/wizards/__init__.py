from . import price_import_wizard
from . import price_simulator
from . import price_simulator_line
