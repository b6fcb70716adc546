"""Rate limits on the endpoints that check passwords, against guessing them."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class CredentialsRateThrottle(SimpleRateThrottle):
    """Password checks per client address; `DEFAULT_THROTTLE_RATES["credentials"]` overrides."""

    scope = "credentials"
    default_rate = "20/min"

    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or self.default_rate

    def allow_request(self, request, view) -> bool:
        # Only attempts count: reading the session or revoking a token checks no password.
        if request.method != "POST":
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
