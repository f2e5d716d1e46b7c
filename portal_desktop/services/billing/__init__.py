"""Money owed and received: payment plans and their changes, payments, failed charges and refunds,
receivables and the Payment-schedules totals."""
