from . import test_pricing_strategy
from . import test_price_import_files
from . import test_aws_pricing_api
from . import test_bundle
from . import test_visibility
from . import test_catalog_pricing
from . import test_portal
from . import test_azure_retail_prices_api
