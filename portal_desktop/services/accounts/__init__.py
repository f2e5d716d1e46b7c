"""People and the installation: users, sign-in and passwords, roles, settings."""
