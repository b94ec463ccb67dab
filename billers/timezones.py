"""IANA time-zone validation for billers."""
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError


@cache
def available_time_zones():
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value):
    if value not in available_time_zones():
        raise ValidationError(
            "%(value)r is not an IANA time zone (e.g. America/Chicago)",
            code="invalid_time_zone", params={"value": value})
