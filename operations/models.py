"""What the hands-off operations record (issue 15): every file the watched inbox received and
what became of it, the inbox's sightings of files still being written, and alerts."""
from django.conf import settings
from django.db import models


class InboxOutcome(models.TextChoices):
    LOADED = "loaded", "accepted (a load was created)"
    DUPLICATE = "duplicate", "rejected: the same file was already received"
    REJECTED = "rejected", "rejected"


class InboxFile(models.Model):
    """One file taken from a biller's inbox folder, moved to processed/ or rejected/."""

    biller = models.ForeignKey("billers.Biller", on_delete=models.PROTECT, related_name="inbox_files")
    name = models.CharField(max_length=255, help_text="The file's name as it was dropped.")
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, db_index=True,
                              help_text="Empty when the file could not be read.")
    size = models.BigIntegerField(null=True, blank=True, help_text="bytes")
    outcome = models.CharField(max_length=10, choices=InboxOutcome.choices)
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    load = models.ForeignKey("ingest.Load", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)
    moved_to = models.CharField(max_length=500, blank=True, help_text="Where the file is now, under INBOX_ROOT.")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "inbox file"
        constraints = [
            # the last guard of "the same file is never loaded twice" (the scan checks under a lock first)
            models.UniqueConstraint(fields=["biller", "sha256"], condition=models.Q(outcome="loaded"),
                                    name="inbox_file_accepted_once"),
        ]

    def __str__(self):
        return f"{self.biller.slug}/{self.name}"


class InboxFolder(models.Model):
    """One row per biller folder: the lock two scans of the same folder take in turn."""

    biller = models.OneToOneField("billers.Biller", on_delete=models.CASCADE, related_name="+")
    last_scan_at = models.DateTimeField(null=True, blank=True)


class InboxSighting(models.Model):
    """A file seen in an inbox folder and not taken yet: taken once a later scan sees the same
    size and modification time (the file is completely written)."""

    biller = models.ForeignKey("billers.Biller", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["biller", "name"], name="one_sighting_per_file")]


class AlertKind(models.TextChoices):
    MISSING_FILE = "missing_file", "expected file missing"
    PARSE_FAILED = "parse_failed", "parse failed"
    LOAD_FAILED = "load_failed", "load failed"
    WAITING_APPROVAL = "waiting_approval", "load waiting for approval"
    EXPORT_FAILED = "export_failed", "export run failed"
    EXPORT_MISSED = "export_missed", "scheduled export run missed"


class Alert(models.Model):
    """One condition that needs a person; `key` makes one condition one alert, however often it is checked."""

    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    biller = models.ForeignKey("billers.Biller", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="alerts")
    subject = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    key = models.CharField("dedup key", max_length=200, unique=True)
    first_seen = models.DateTimeField(auto_now_add=True, db_index=True)
    emailed_to = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_seen", "-id"]
        permissions = [("acknowledge_alert", "Can acknowledge an alert")]

    def __str__(self):
        return self.subject
