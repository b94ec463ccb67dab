"""Admin forms: friendlier inputs for values that models validate."""
from django import forms
from django.core.exceptions import ValidationError

from billers.format_options import FORMAT_OPTIONS
from billers.models import BillerFileFormat, BillerSetting
from billers.models.bif import missing_required, template_rows
from billers.settings_schema import SETTING_131_SCHEMA, schema_keys


class JsonSettingWidget(forms.Textarea):
    """A code-editor-like textarea: monospace, large, JSON syntax checked as you type (inline
    script, nothing fetched), with the keys that the #131 schema accepts listed beside it."""
    template_name = "billers/json_setting_widget.html"  # in the app: the form renderer reads app templates

    def __init__(self, attrs=None):
        super().__init__({"rows": 10, "cols": 72, "class": "json-setting", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["schema_keys"] = schema_keys(SETTING_131_SCHEMA)
        return context


class BillerSettingForm(forms.ModelForm):
    value = forms.CharField(widget=JsonSettingWidget(),
                            help_text="Integer, text, 1/0, or for #131 a JSON document (keys listed beside).")

    class Meta:
        model = BillerSetting
        fields = ["setting", "value"]


class BillerFileFormatForm(forms.ModelForm):
    class Meta:
        model = BillerFileFormat
        fields = ["file_format", "enabled", "invoice_type_id", "invoice_format_guid", "inbox_naming", "options"]
        widgets = {"options": forms.TextInput(attrs={"size": 36}), "inbox_naming": forms.TextInput(attrs={"size": 24})}
        help_texts = {
            "options": "JSON object. " + "; ".join(
                f"{code}: " + ", ".join(f"{name} ({kind.__name__}, default {default!r})"
                                        for name, (kind, default, _h) in opts.items())
                for code, opts in FORMAT_OPTIONS.items()),
        }


class BifFormSet(forms.BaseInlineFormSet):
    """A biller cannot be saved active while a Required feature has no value: the rows of the
    form, and for features not in it the integration's template rows it will get."""

    def clean(self):
        super().clean()
        biller = self.instance
        if not biller.active or any(form.errors for form in self.forms):
            return
        rows = [form.instance for form in self.forms
                if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
                and form.instance.feature_id is not None]
        if biller.pk is not None:
            given = {row.feature_id for row in rows} | {form.instance.feature_id for form in self.deleted_forms}
            rows += [row for row in biller.bif.select_related("feature") if row.feature_id not in given]
        rows += template_rows(biller, {row.feature.name for row in rows})
        missing = missing_required(rows)
        if missing:
            raise ValidationError(
                f"{', '.join(missing)} is required: give it a value before the biller is active "
                f"(or save the biller inactive)")
