"""Export runs, the files they wrote and the records they carried (FORMATS.md 7.5).

A record is carried by exactly one run of a format: the Carried* rows repeat the run's
format so that a unique constraint can say so in the database, under concurrency too. A
payment may be carried twice by a format that reports voids and reversals (its `Take`
says so): once as approved, and once more after it stopped being approved.

The `record` keys have no index of their own: the unique constraint's index starts with the
record, and serves every lookup by record (an export run's "not carried yet", the
foreign-key checks, PROTECT). A second index on it only slowed each run's insert of its
carried rows (about a quarter of the insert at 100,000 rows, PostgreSQL).
"""
import uuid

from django.conf import settings
from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued", "queued"        # "Run outbound files": waiting for a worker
    RUNNING = "running", "running"
    SUCCEEDED = "succeeded", "succeeded"
    FAILED = "failed", "failed"


class Trigger(models.TextChoices):
    ADMIN = "admin", "admin (Run outbound files)"
    COMMAND = "command", "command line (export_files)"
    SCHEDULE = "schedule", "daily schedule"


def stored_export_name(instance, filename):
    """Files are stored under a generated name; the file name the partner sees is in `name`."""
    return f"exports/{uuid.uuid4().hex}.out"


class ExportRun(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.PROTECT, related_name="export_runs")
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, related_name="export_runs")
    business_date = models.DateField(help_text="The batch close, in the biller's time zone.")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="export_runs")
    schedule_name = models.CharField(max_length=100, blank=True, help_text="The schedule that started it.")
    created_at = models.DateTimeField(db_index=True, help_text="File-name timestamps use this time.")
    status = models.CharField(max_length=10, choices=RunStatus.choices)
    failure = models.TextField(blank=True, help_text="Why the run failed (nothing was carried).")
    record_count = models.PositiveIntegerField(default=0, help_text="Records carried.")
    options = models.JSONField(default=dict, blank=True, help_text="The format options the files were written with.")
    payments = models.ManyToManyField("ledger.Payment", through="exports.CarriedPayment", related_name="export_runs")
    rejects = models.ManyToManyField("ledger.AchReject", through="exports.CarriedReject", related_name="export_runs")
    changes = models.ManyToManyField("ledger.AccountChange", through="exports.CarriedChange",
                                     related_name="export_runs")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "export run"
        permissions = [("run_export", "Can run outbound files")]
        indexes = [models.Index(fields=["biller", "file_format", "business_date"])]

    def __str__(self):
        return f"#{self.pk} {self.file_format} {self.business_date}"

    @property
    def code(self):
        return self.file_format.code

    @property
    def ws_report_id(self):
        return self.pk


class ExportFile(models.Model):
    run = models.ForeignKey(ExportRun, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=200, help_text="The file name the partner receives.")
    file = models.FileField(upload_to=stored_export_name, max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField(help_text="bytes")
    row_count = models.PositiveIntegerField(help_text="data rows, header not counted")
    # 22 digits before the point: row_count (at most 2**31) amounts of at most 12 digits always fit
    total_amount = models.DecimalField(max_digits=24, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["run", "id"]
        verbose_name = "export file"

    def __str__(self):
        return self.name


class CarriedPayment(models.Model):
    run = models.ForeignKey(ExportRun, on_delete=models.PROTECT, related_name="carried_payments")
    record = models.ForeignKey("ledger.Payment", on_delete=models.PROTECT, related_name="carried", db_index=False)
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, related_name="+")
    approved = models.BooleanField(
        default=True, help_text="The payment was approved when the run carried it; a later void or reversal is "
                                "carried once more, as not approved, by a format that reports them.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "file_format", "approved"],
                                    name="payment_carried_once_per_format_and_state"),
        ]


class CarriedReject(models.Model):
    run = models.ForeignKey(ExportRun, on_delete=models.PROTECT, related_name="carried_rejects")
    record = models.ForeignKey("ledger.AchReject", on_delete=models.PROTECT, related_name="carried", db_index=False)
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "file_format"], name="reject_carried_once_per_format")]


class CarriedChange(models.Model):
    run = models.ForeignKey(ExportRun, on_delete=models.PROTECT, related_name="carried_changes")
    record = models.ForeignKey("ledger.AccountChange", on_delete=models.PROTECT, related_name="carried", db_index=False)
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "file_format"], name="change_carried_once_per_format")]
