"""The test settings, with the subscribing app installed but not the one declaring its type."""

from config.settings.test import *  # noqa: F403
from config.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.events.app_order.listening"]
