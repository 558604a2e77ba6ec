from . import cloud_account
