"""Engine and sessions, settings profiles, keyring secrets, migrations runner, bulk writes and
the lists' query specs: SQL over the models, below the services (no services, no Qt here)."""
