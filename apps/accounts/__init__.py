"""Accounts: the user model (e-mail as login), sign-up, sign-in and sign-out."""
