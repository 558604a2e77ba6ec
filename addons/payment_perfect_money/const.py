# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What Perfect Money's documents fix: URLs, currencies, the fields of the status form.

Sources: Perfect Money's "Shopping Cart Interface v2.0 Specification" (SCI) and
"A Programmers Guide to API" (perfectmoney.com/documents), and the SCI sample
script Perfect Money ships with it (payment validation with V2_HASH).
"""

# Where the checkout form posts (SCI, "Entry Form ACTION") and the balance API
# lives, below one server so that a test can point both at a stand-in.
DEFAULT_SERVER_URL = "https://perfectmoney.com"
SCI_PATH = "/api/step1.asp"
BALANCE_PATH = "/acct/balance.asp"
SIGNUP_URL = "https://perfectmoney.com/signup.html"

# Seconds to wait for the balance API.
API_TIMEOUT = 10

# The codes of the payment methods to activate when Perfect Money is activated.
DEFAULT_PAYMENT_METHOD_CODES = {"perfect_money"}

# The PAYMENT_UNITS of the SCI that are ISO 4217 currencies. Perfect Money also
# has gold ("OAU", troy ounces) and Bitcoin wallets, which are not currencies
# Odoo invoices in: left out.
SUPPORTED_CURRENCIES = ("USD", "EUR")

# A Perfect Money wallet ("account") is one letter and digits, the letter giving
# its currency: U1234567 holds USD, E1234567 EUR (G: gold, B: Bitcoin).
WALLET_LETTER_BY_CURRENCY = {"USD": "U", "EUR": "E"}
WALLET_CURRENCY_BY_LETTER = {"U": "USD", "E": "EUR", "G": "OAU", "B": "BTC"}

# The fields of the form Perfect Money posts to STATUS_URL, in the order the
# SCI chains them (":"-separated) for V2_HASH; the merchant's uppercase MD5 of
# the alternate passphrase sits between PAYER_ACCOUNT and TIMESTAMPGMT.
V2_HASH_FIELDS_BEFORE_PASSPHRASE = (
    "PAYMENT_ID",
    "PAYEE_ACCOUNT",
    "PAYMENT_AMOUNT",
    "PAYMENT_UNITS",
    "PAYMENT_BATCH_NUM",
    "PAYER_ACCOUNT",
)
V2_HASH_FIELDS_AFTER_PASSPHRASE = ("TIMESTAMPGMT",)
