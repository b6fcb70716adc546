"""Reference apps that Keel is measured against, on the same tables and data."""
