"""Hands-off operations configured per biller and inbound format (issue 15): auto-approval
rules and expected files. Configuration, kept with its history; the pipeline reads it
(ingest.autoapproval after a parse, operations.alerts for missing files)."""
import calendar
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords


def _pct(value):
    return f"{Decimal(value).normalize():f}"


def _check_format(rule, errors):
    """The format must be an inbound format the biller has enabled."""
    if rule.biller_id is None or rule.file_format_id is None:
        return
    if rule.file_format.direction != "inbound":
        errors["file_format"] = f"{rule.file_format.code} is an outbound format; only inbound files are received"
    elif not rule.biller.file_formats.filter(file_format=rule.file_format, enabled=True).exists():
        errors["file_format"] = f"{rule.file_format.code} is not an enabled format of {rule.biller.slug}"


class AutoApprovalRule(models.Model):
    """When a parsed load of the biller and format is approved by the system, with no person."""

    biller = models.ForeignKey("billers.Biller", on_delete=models.CASCADE, related_name="auto_approval_rules")
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, related_name="+")
    enabled = models.BooleanField(default=True)
    max_error_records = models.PositiveIntegerField(
        default=0, help_text="Approve only with at most this many error records (0: none).")
    count_tolerance_pct = models.DecimalField(
        "record count tolerance (±%)", max_digits=6, decimal_places=2, validators=[MinValueValidator(0)],
        help_text="The ok record count may differ from the previous loaded load's by at most this percentage.")
    total_tolerance_pct = models.DecimalField(
        "total tolerance (±%)", max_digits=6, decimal_places=2, validators=[MinValueValidator(0)],
        help_text="The total may differ from the previous loaded load's by at most this percentage.")
    approve_four_eyes = models.BooleanField(
        "auto-approve even though the biller requires four eyes", default=False,
        help_text="A biller that requires a second approver is never approved automatically unless this is ticked.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["biller", "file_format__code"]
        verbose_name = "auto-approval rule"
        constraints = [models.UniqueConstraint(fields=["biller", "file_format"], name="one_auto_approval_rule")]

    def __str__(self):
        return f"{self.biller} {self.file_format}: auto-approval"

    def describe(self):
        errors = "no error records" if not self.max_error_records else f"at most {self.max_error_records} error records"
        return (f"rule {self.pk} ({errors}, count within ±{_pct(self.count_tolerance_pct)} %, "
                f"total within ±{_pct(self.total_tolerance_pct)} %)")

    def clean(self):
        errors = {}
        _check_format(self, errors)
        if errors:
            raise ValidationError(errors)


class Cadence(models.TextChoices):
    DAILY = "daily", "every day"
    WEEKDAYS = "weekdays", "Monday to Friday"
    MONTHLY = "monthly", "monthly, on a day of the month"


class ExpectedFile(models.Model):
    """When a file of the biller and format is due (at a local time in the biller's zone), and
    the thresholds of its alerts (operations.alerts)."""

    biller = models.ForeignKey("billers.Biller", on_delete=models.CASCADE, related_name="expected_files")
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, related_name="+")
    enabled = models.BooleanField(default=True)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.DAILY)
    due_time = models.TimeField(help_text="Local time (in the biller's time zone) by which the file is due.")
    day_of_month = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="Monthly only: the day (a day past the month's end means its last day).")
    grace_minutes = models.PositiveIntegerField(
        default=60, help_text="Minutes after the due time before a missing file raises an alert.")
    approval_wait_minutes = models.PositiveIntegerField(
        default=240, help_text="A parsed load of this format waiting for approval longer than this raises an alert.")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["biller", "file_format__code"]
        verbose_name = "expected file"
        constraints = [models.UniqueConstraint(fields=["biller", "file_format"], name="one_expected_file")]

    def __str__(self):
        return f"{self.biller} {self.file_format}: {self.get_cadence_display()} by {self.due_time:%H:%M}"

    def clean(self):
        errors = {}
        _check_format(self, errors)
        if self.cadence == Cadence.MONTHLY and not self.day_of_month:
            errors["day_of_month"] = "a monthly file needs its day of the month"
        if self.cadence != Cadence.MONTHLY and self.day_of_month:
            errors["day_of_month"] = "only a monthly file has a day of the month"
        if errors:
            raise ValidationError(errors)

    def due_on(self, day: datetime.date) -> bool:
        if self.cadence == Cadence.WEEKDAYS:
            return day.weekday() < 5
        if self.cadence == Cadence.MONTHLY:
            last = calendar.monthrange(day.year, day.month)[1]
            return day.day == min(self.day_of_month or 1, last)
        return True

    def due_instants(self, until: datetime.datetime, days: int = 40):
        """The due instants (aware, in the biller's zone) of the last `days` days up to `until`, newest first."""
        zone = self.biller.zone
        today = until.astimezone(zone).date()
        for back in range(days):
            day = today - datetime.timedelta(days=back)
            if self.due_on(day):
                due = datetime.datetime.combine(day, self.due_time, tzinfo=zone)
                if due <= until:
                    yield due
