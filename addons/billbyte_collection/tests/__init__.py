from . import test_follow_up
from . import test_access
