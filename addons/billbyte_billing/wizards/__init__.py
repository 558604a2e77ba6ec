from . import cloud_account_transfer_wizard
