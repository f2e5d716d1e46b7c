"""What every use case shares: who acts and may do what, one transaction per use case, what it
changed, the audit trail, checks of typed-in values, money, dates and phones."""
