"""Two small apps for the INSTALLED_APPS order test (tests/events/test_subscriptions.py).

`listening` subscribes to a type that `announcing` declares, and is installed before it
(settings.py); settings_undeclared.py installs `listening` alone.
"""
