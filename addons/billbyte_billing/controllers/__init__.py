from . import portal
from . import catalog_portal
