"""BIF (biller information form) customizations: per-biller defaults and rules."""
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from billers.bif_rules import RuleError, parse_rule
from billers.settings_schema import parse_yes_no


class BifSource(models.TextChoices):
    NOT_APPLICABLE = "na", "N/A"
    QUESTIONNAIRE = "questionnaire", "Biller questionnaire"
    INVOICE_FILE = "invoice_file", "Invoice file"
    RULE = "rule", "BIF rule"
    REQUIRED = "required", "Required (biller questionnaire)"


class ValueKind(models.TextChoices):
    YES_NO = "yes_no", "yes / no"
    AMOUNT = "amount", "amount"
    DAY_OFFSET = "day_offset", "days relative to the invoice due date"
    INTEGER = "integer", "integer"
    GUID = "guid", "GUID"
    TEXT = "text", "text"


class BifFeature(models.Model):
    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    value_kind = models.CharField(max_length=20, choices=ValueKind.choices)
    accepts_rule = models.BooleanField(default=False, help_text="A date that a BIF rule may compute.")

    class Meta:
        ordering = ["name"]
        verbose_name = "BIF feature"

    def __str__(self):
        return self.name


def clean_value(kind, text):
    """Normalize a questionnaire value of `kind`; raise ValueError with the reason."""
    text = (text or "").strip()
    if not text:
        raise ValueError("a value is required for this source")
    if kind == ValueKind.YES_NO:
        answer = parse_yes_no(text)
        if answer is None:
            raise ValueError(f"{text!r} must be yes or no")
        return "yes" if answer else "no"
    if kind == ValueKind.AMOUNT:
        try:
            amount = Decimal(text.replace("$", "").replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{text!r} is not an amount") from None
        if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
            raise ValueError(f"{text!r} is not a non-negative amount with at most two decimals")
        return f"{amount:.2f}"
    if kind in (ValueKind.DAY_OFFSET, ValueKind.INTEGER):
        try:
            number = int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number of days" if kind == ValueKind.DAY_OFFSET
                             else f"{text!r} is not a whole number") from None
        return str(number)
    if kind == ValueKind.GUID:
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise ValueError(f"{text!r} is not a GUID") from None
    return text


class BifCustomization(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.CASCADE, related_name="bif")
    feature = models.ForeignKey(BifFeature, on_delete=models.PROTECT, related_name="customizations")
    source = models.CharField(max_length=20, choices=BifSource.choices, default=BifSource.NOT_APPLICABLE)
    value = models.CharField(max_length=200, blank=True,
                             help_text="The questionnaire answer (yes/no, amount, day offset, ...).")
    rule = models.CharField(max_length=200, blank=True, help_text="e.g. InvoiceDueDate + 1 day")
    history = HistoricalRecords()

    class Meta:
        ordering = ["biller", "feature__name"]
        verbose_name = "BIF customization"
        constraints = [
            models.UniqueConstraint(fields=["biller", "feature"], name="one_bif_row_per_feature"),
        ]

    def __str__(self):
        return f"{self.biller} {self.feature}"

    def clean(self):
        if self.feature_id is None:
            return
        errors = {}
        if self.source in (BifSource.QUESTIONNAIRE, BifSource.REQUIRED):
            try:
                self.value = clean_value(self.feature.value_kind, self.value)
            except ValueError as exc:
                errors["value"] = str(exc)
            if self.rule:
                errors["rule"] = "a questionnaire value has no rule"
        elif self.source == BifSource.RULE:
            if not self.feature.accepts_rule:
                errors["source"] = f"{self.feature} is not a date a rule can compute"
            else:
                try:
                    self.rule = str(parse_rule(self.rule))
                except RuleError as exc:
                    errors["rule"] = str(exc)
            if self.value:
                errors["value"] = "a rule has no questionnaire value"
        else:
            if self.value:
                errors["value"] = f"no value when the source is {self.get_source_display()}"
            if self.rule:
                errors["rule"] = f"no rule when the source is {self.get_source_display()}"
        if errors:
            raise ValidationError(errors)

    @property
    def parsed_rule(self):
        return parse_rule(self.rule) if self.source == BifSource.RULE else None
