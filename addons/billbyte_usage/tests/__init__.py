from . import test_cloud_account
