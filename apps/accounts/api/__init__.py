"""REST API of accounts: sign-up, tokens, sessions, the current user."""
