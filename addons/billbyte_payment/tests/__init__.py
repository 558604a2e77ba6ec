from . import test_partner_accounts
