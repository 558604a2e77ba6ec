from . import test_cloud_budget
