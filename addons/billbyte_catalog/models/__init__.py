from . import cloud_vendor
from . import product_template
from . import product_pricelist
