"""Partner API keys (only a digest is stored) and the call log."""
from django.conf import settings
from django.db import models


class ApiKey(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True, help_text="Who uses it, e.g. WaterSmart production.")
    prefix = models.CharField(max_length=12, editable=False, help_text="The key's first characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    requests_per_minute = models.PositiveIntegerField(
        default=120, help_text="More calls than this within a minute are answered 429.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   editable=False, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   editable=False, related_name="+")

    class Meta:
        ordering = ["biller", "-created_at"]
        verbose_name = "partner API key"
        permissions = [("revoke_apikey", "Can revoke a partner API key")]

    def __str__(self):
        return f"{self.prefix}… ({self.biller.slug})"

    @property
    def active(self):
        return self.revoked_at is None


class ApiCall(models.Model):
    """One call of the partner API, with passwords and tokens masked."""

    at = models.DateTimeField(db_index=True)
    biller = models.ForeignKey("billers.Biller", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    biller_slug = models.CharField(max_length=60, blank=True, help_text="As written in the URL.")
    key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls")
    operation = models.CharField(max_length=60, db_index=True)
    status = models.PositiveSmallIntegerField(db_index=True)
    latency_ms = models.PositiveIntegerField("latency (ms)")
    request = models.TextField(blank=True)
    response = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "partner API call"
        indexes = [models.Index(fields=["key", "at"])]

    def __str__(self):
        return f"{self.operation} {self.status}"
