"""BIF (biller information form) customizations: per-biller defaults and rules."""
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from billers.bif_rules import RuleError, parse_rule
from billers.reference_data import BIF_TEMPLATES, FILE_FEATURES
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
    FILE = "file", "read from the invoice file"


class BifFeature(models.Model):
    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    value_kind = models.CharField(max_length=20, choices=ValueKind.choices)
    accepts_rule = models.BooleanField(default=False, help_text="A date that a BIF rule may compute.")
    required = models.BooleanField(
        default=False, help_text="A biller cannot be active while this feature has no value "
                                 "(the seeds' 'Required - On Biller Questionnaire').")

    class Meta:
        ordering = ["name"]
        verbose_name = "BIF feature"

    def __str__(self):
        return self.name


def clean_value(kind, text):
    """Normalize a questionnaire value of `kind`; raise ValueError with the reason."""
    text = (text or "").strip()
    if not text:
        return ""  # not answered yet: nothing is applied (a Required feature blocks activation)
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
        if self.feature.value_kind == ValueKind.FILE and self.source not in (
                BifSource.INVOICE_FILE, BifSource.NOT_APPLICABLE):
            errors["source"] = f"{self.feature} comes from the invoice file"
        elif self.source in (BifSource.QUESTIONNAIRE, BifSource.REQUIRED):
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
            if self.source == BifSource.INVOICE_FILE:
                self._check_in_file(errors)
            if self.value:
                errors["value"] = f"no value when the source is {self.get_source_display()}"
            if self.rule:
                errors["rule"] = f"no rule when the source is {self.get_source_display()}"
        if not errors and self.is_required and not self.has_value and self._biller_active():
            errors["value"] = f"{self.feature} is required while the biller is active"
        if errors:
            raise ValidationError(errors)

    def _biller_active(self):
        try:
            return self.biller.active
        except ObjectDoesNotExist:
            return False

    def _check_in_file(self, errors):
        """An 'invoice file' source is applied only when the integration's files carry it."""
        try:
            biller = self.biller  # set (maybe unsaved) on an admin inline row
        except ObjectDoesNotExist:
            return
        integration = biller.integration
        carried = FILE_FEATURES.get(integration, ())
        if integration and self.feature.name not in carried:
            errors["source"] = (f"the {biller.get_integration_display()} invoice files do not carry "
                                f"{self.feature} (they carry {', '.join(carried)}); "
                                f"give a questionnaire value or a rule")

    @property
    def has_value(self):
        """True when the feature is governed: a file value, an answer, or a rule."""
        if self.source == BifSource.INVOICE_FILE:
            return True
        if self.source == BifSource.RULE:
            return bool(self.rule)
        return self.source in (BifSource.QUESTIONNAIRE, BifSource.REQUIRED) and bool(self.value)

    @property
    def is_required(self):
        return self.source == BifSource.REQUIRED or self.feature.required

    @property
    def parsed_rule(self):
        return parse_rule(self.rule) if self.source == BifSource.RULE else None


def missing_required(rows):
    """Names of the Required features among `rows` (BifCustomization, saved or not) that have
    no value: a biller with any of them cannot be active."""
    return sorted(row.feature.name for row in rows if row.is_required and not row.has_value)


def template_rows(biller, features_given=()):
    """Unsaved BIF rows of the biller's integration template (the seed's BIF table) for the
    features not in `features_given`."""
    template = BIF_TEMPLATES.get(biller.integration, {})
    features = {f.name: f for f in BifFeature.objects.filter(name__in=template)}
    return [BifCustomization(biller=biller, feature=features[name], source=source, value=value, rule=rule)
            for name, (source, value, rule) in template.items()
            if name in features and name not in features_given]


def apply_template(biller):
    """Give the biller the template rows it lacks (a new biller starts with its seed's table)."""
    given = set(BifCustomization.objects.filter(biller=biller).values_list("feature__name", flat=True))
    rows = template_rows(biller, given)
    for row in rows:
        row.full_clean()
        row.save()
    return rows
