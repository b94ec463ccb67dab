import datetime
import re
import uuid
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from simple_history.models import HistoricalRecords

from billers.timezones import validate_time_zone


def email_list(text):
    """The addresses of a contacts field (commas, semicolons or new lines between them)."""
    return [part.strip() for part in re.split(r"[,;\s]+", text or "") if part.strip()]


def validate_email_list(text):
    for address in email_list(text):
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(f"{address!r} is not an e-mail address") from None


class Integration(models.TextChoices):
    WATERSMART = "watersmart", "WaterSmart"
    INCODE_V10 = "incode", "Tyler Incode V10"


class Biller(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    guid = models.UUIDField("BillerGuid", default=uuid.uuid4, unique=True)
    integration = models.CharField(max_length=20, choices=Integration.choices)
    time_zone = models.CharField(
        max_length=64, validators=[validate_time_zone],
        help_text="IANA time zone, e.g. America/Chicago. Outbound files show times in it.")
    active = models.BooleanField(default=True)
    requires_second_approver = models.BooleanField(
        "requires a second approver", default=False,
        help_text="Four-eyes: the person who uploaded a file cannot approve its load.")
    export_run_time = models.TimeField(
        default=datetime.time(6, 0),
        help_text="Local time (in the biller's time zone) at which the daily outbound files run.")
    demo = models.BooleanField(
        "IC demo biller", default=False,
        help_text="A biller of IC's demo site: the partner API's SetInvoiceBalance works only for these.")
    customer_portal_url = models.CharField(
        "customer portal base URL", max_length=200, blank=True, validators=[URLValidator(schemes=["https", "http"])],
        help_text="Where the customer-portal redirects (codes 2, 3, 5, 8, 9, 11) send the customer.")
    alert_contacts = models.TextField(
        blank=True, validators=[validate_email_list],
        help_text="E-mail addresses (one a line, or separated by commas) that receive the biller's alerts: "
                  "missing files, failed loads, loads waiting for approval, failed or missed export runs.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def alert_emails(self):
        return email_list(self.alert_contacts)

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)
