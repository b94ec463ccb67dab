"""Advanced settings: a catalogue of setting ids and their per-biller values."""
import json

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from billers.settings_schema import parse_yes_no, unused_keys, validate_setting_value


class ValueType(models.TextChoices):
    INTEGER = "integer", "Integer"
    TEXT = "text", "Text"
    BOOLEAN = "boolean", "Boolean"
    JSON = "json", "JSON"


class AdvancedSetting(models.Model):
    setting_id = models.PositiveIntegerField("setting ID", unique=True)
    description = models.CharField(max_length=200)
    details = models.TextField("details and logic", blank=True)
    value_type = models.CharField(max_length=10, choices=ValueType.choices)
    default_value = models.TextField(blank=True)
    unique_per_biller = models.BooleanField(
        "value unique per biller", default=False,
        help_text="The seeds' 'Is value unique per biller? (Y/N)' column.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["setting_id"]

    def __str__(self):
        return f"#{self.setting_id} {self.description}"


class BillerSetting(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.CASCADE, related_name="settings")
    setting = models.ForeignKey(AdvancedSetting, on_delete=models.PROTECT, related_name="values")
    value = models.TextField(help_text="Integer, text, 1/0 for booleans, or a JSON document.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["biller", "setting__setting_id"]
        constraints = [
            models.UniqueConstraint(fields=["biller", "setting"], name="one_value_per_biller_setting"),
        ]

    def __str__(self):
        return f"{self.biller} #{self.setting.setting_id}"

    def clean(self):
        if self.setting_id is None:
            return
        try:
            self.value = validate_setting_value(self.setting.setting_id, self.setting.value_type, self.value)
        except ValueError as exc:
            raise ValidationError({"value": str(exc)}) from None

    @property
    def typed_value(self):
        kind = self.setting.value_type
        if kind == ValueType.INTEGER:
            return int(self.value)
        if kind == ValueType.BOOLEAN:
            return bool(parse_yes_no(self.value))
        if kind == ValueType.JSON:
            return json.loads(self.value)
        return self.value

    @property
    def unused_keys(self):
        """Keys of a JSON setting the portal keeps but does not act on."""
        if self.setting.value_type != ValueType.JSON:
            return []
        try:
            return unused_keys(self.setting.setting_id, json.loads(self.value))
        except ValueError:
            return []
