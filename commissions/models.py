"""Later issues fill this app: clerk binding, referral chain, commission ledger, wallet."""
