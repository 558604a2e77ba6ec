from . import test_cloud_account
from . import test_usage_import
from . import test_usage_restatement
from . import test_usage_bad_input
from . import test_unmatched_usage
from . import test_connection_aws
from . import test_connection_microsoft
from . import test_connection_pull
