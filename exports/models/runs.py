"""Export runs, the files they wrote and the records they carried (FORMATS.md 7.5).

A record is carried by exactly one run of a format: the Carried* rows repeat the run's
format so that a unique constraint can say so in the database, under concurrency too. A
payment may be carried twice by a format that reports voids and reversals (its `Take`
says so): once as approved, and once more after it stopped being approved.

The `record` keys have no index of their own: the unique constraint's index starts with the
record, and serves every lookup by record (an export run's "not carried yet", the
foreign-key checks, PROTECT). A second index on it only slowed each run's insert of its
carried rows (about a quarter of the insert at 100,000 rows, PostgreSQL).

A carried row's run and format are one key in the database: (run, file_format) references
the run's (id, file_format) (`RunFormatKey`), so a carried row names its run's own format, and
the commit checks two keys a row (this one and the record) instead of three (run, format,
record): the commit's checks were the largest part of a run of 100,000 payments. The format
is reached through the run (whose own key protects it); one index on (run, file_format)
serves the key and every lookup by run.
"""
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.utils import DEFAULT_DB_ALIAS


class RunFormatKey(models.BaseConstraint):
    """The foreign key (run, file_format) -> the run's (id, file_format), checked at commit
    (deferred, as Django's own keys): `run` is a ForeignKey to ExportRun, whose unique
    constraint on (id, file_format) the key references. Django has no composite foreign key
    (5.2): this constraint writes it, on PostgreSQL and SQLite alike."""

    fields = ("run", "file_format")

    def _sql_parts(self, model, schema_editor):
        qn = schema_editor.quote_name
        meta = model._meta
        target = meta.get_field("run").related_model._meta
        return dict(name=qn(self.name), table=qn(meta.db_table),
                    columns=", ".join(qn(meta.get_field(f).column) for f in self.fields),
                    to_table=qn(target.db_table),
                    to_columns=", ".join(qn(target.get_field(f).column) for f in ("id", "file_format")),
                    deferrable=" DEFERRABLE INITIALLY DEFERRED")  # as Django's own keys, SQLite's too

    def constraint_sql(self, model, schema_editor):
        return ("CONSTRAINT %(name)s FOREIGN KEY (%(columns)s) REFERENCES %(to_table)s (%(to_columns)s)"
                "%(deferrable)s" % self._sql_parts(model, schema_editor))

    def create_sql(self, model, schema_editor):
        return f"ALTER TABLE {self._sql_parts(model, schema_editor)['table']} ADD {self.constraint_sql(model, schema_editor)}"

    def remove_sql(self, model, schema_editor):
        return schema_editor._delete_constraint_sql(schema_editor.sql_delete_fk, model, schema_editor.quote_name(self.name))

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        """A row whose run is given must name the run's format (a missing run is the field's
        own error)."""
        if exclude and set(self.fields) & set(exclude):
            return
        if instance.run_id is None or instance.file_format_id is None:
            return
        runs = model._meta.get_field("run").related_model._default_manager.using(using)
        if not runs.filter(pk=instance.run_id, file_format_id=instance.file_format_id).exists() \
                and runs.filter(pk=instance.run_id).exists():
            raise ValidationError(self.get_violation_error_message(), code=self.violation_error_code)

    def __eq__(self, other):
        return isinstance(other, RunFormatKey) and self.deconstruct() == other.deconstruct()

    __hash__ = models.BaseConstraint.__hash__


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
        # what the carried rows' key (run, file_format) references (RunFormatKey)
        constraints = [models.UniqueConstraint(fields=["id", "file_format"], name="export_run_and_format")]

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
    # (run, file_format): one key in the database (RunFormatKey), one index
    run = models.ForeignKey(ExportRun, on_delete=models.PROTECT, related_name="carried_payments", db_constraint=False,
                            db_index=False)
    record = models.ForeignKey("ledger.Payment", on_delete=models.PROTECT, related_name="carried", db_index=False)
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, related_name="+",
                                    db_constraint=False, db_index=False)
    approved = models.BooleanField(
        default=True, help_text="The payment was approved when the run carried it; a later void or reversal is "
                                "carried once more, as not approved, by a format that reports them.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "file_format", "approved"],
                                    name="payment_carried_once_per_format_and_state"),
            RunFormatKey(name="carried_payment_run_and_format"),
        ]
        indexes = [models.Index(fields=["run", "file_format"], name="carried_payment_run")]


class CarriedReject(models.Model):
    # (run, file_format): one key in the database (RunFormatKey), one index
    run = models.ForeignKey(ExportRun, on_delete=models.PROTECT, related_name="carried_rejects", db_constraint=False,
                            db_index=False)
    record = models.ForeignKey("ledger.AchReject", on_delete=models.PROTECT, related_name="carried", db_index=False)
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, related_name="+",
                                    db_constraint=False, db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "file_format"], name="reject_carried_once_per_format"),
                       RunFormatKey(name="carried_reject_run_and_format")]
        indexes = [models.Index(fields=["run", "file_format"], name="carried_reject_run")]


class CarriedChange(models.Model):
    # (run, file_format): one key in the database (RunFormatKey), one index
    run = models.ForeignKey(ExportRun, on_delete=models.PROTECT, related_name="carried_changes", db_constraint=False,
                            db_index=False)
    record = models.ForeignKey("ledger.AccountChange", on_delete=models.PROTECT, related_name="carried", db_index=False)
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, related_name="+",
                                    db_constraint=False, db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "file_format"], name="change_carried_once_per_format"),
                       RunFormatKey(name="carried_change_run_and_format")]
        indexes = [models.Index(fields=["run", "file_format"], name="carried_change_run")]
