from . import payment_provider_setup
