-- disable perfect money payment provider
UPDATE payment_provider
   SET perfect_money_usd_account = NULL,
       perfect_money_eur_account = NULL,
       perfect_money_alternate_passphrase = NULL;
