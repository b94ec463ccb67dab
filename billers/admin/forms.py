"""Admin forms: friendlier inputs for values that models validate."""
from django import forms

from billers.format_options import FORMAT_OPTIONS
from billers.models import BillerFileFormat, BillerSetting
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
        fields = ["file_format", "enabled", "invoice_type_id", "invoice_format_guid", "options"]
        widgets = {"options": forms.TextInput(attrs={"size": 36})}
        help_texts = {
            "options": "JSON object. " + "; ".join(
                f"{code}: " + ", ".join(f"{name} ({kind.__name__}, default {default!r})"
                                        for name, (kind, default, _h) in opts.items())
                for code, opts in FORMAT_OPTIONS.items()),
        }
