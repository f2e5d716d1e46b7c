"""Use cases and business rules. Each takes a Session, runs one use case in one transaction,
raises portal_desktop.errors.* on bad input, and never imports Qt."""
