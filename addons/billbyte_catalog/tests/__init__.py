from . import test_pricing_strategy
