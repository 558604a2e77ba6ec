from . import test_pricing_strategy
from . import test_price_import_files
from . import test_aws_pricing_api
