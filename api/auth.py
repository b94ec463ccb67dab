"""Who may call: `Authorization: Bearer <key>`, the key of the biller in the URL, within its rate."""
import datetime

from django.utils import timezone
from ninja.security import HttpBearer

from api.keys import find_key
from api.models import ApiCall


class WrongBiller(Exception):
    """A valid key of another biller (403)."""


class Throttled(Exception):
    """Too many calls with this key within a minute (429)."""

    def __init__(self, key):
        super().__init__(f"more than {key.requests_per_minute} calls within a minute with this key")


def calls_last_minute(key, now):
    return (ApiCall.objects.filter(key=key, at__gt=now - datetime.timedelta(minutes=1))
            .exclude(status=429).count())


class PartnerKey(HttpBearer):
    def __call__(self, request):
        # ninja's HttpBearer logs a malformed header with DEBUG on: that would log the key.
        scheme, _, token = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token):
        key = find_key(token)
        if key is None:
            return None
        request.api_key = key
        if key.biller.slug != request.resolver_match.kwargs.get("slug"):
            raise WrongBiller(f"this key belongs to biller {key.biller.slug}")
        if calls_last_minute(key, timezone.now()) >= key.requests_per_minute:
            raise Throttled(key)
        return key
