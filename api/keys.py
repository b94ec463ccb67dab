"""Partner API keys: made here, shown once, kept as a SHA-256 digest."""
import hashlib
import secrets

from django.utils import timezone

from api.models import ApiKey

PREFIX = "icp_"


def digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(biller, name="", user=None, **options):
    """(ApiKey, the key in clear): the only moment the key exists outside the caller."""
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKey.objects.create(biller=biller, name=name, prefix=key[:10], digest=digest(key), created_by=user,
                                **options)
    return row, key


def revoke_key(row, user=None):
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.revoked_by = user
        row.save(update_fields=["revoked_at", "revoked_by"])
    return row


def find_key(key):
    """The active key of that value, or None."""
    return (ApiKey.objects.select_related("biller")
            .filter(digest=digest(key or ""), revoked_at__isnull=True).first())
