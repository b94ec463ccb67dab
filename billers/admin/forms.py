"""Admin forms: friendlier inputs for values that models validate."""
from django import forms

from billers.format_options import FORMAT_OPTIONS
from billers.models import BillerFileFormat, BillerSetting


class BillerSettingForm(forms.ModelForm):
    value = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
                            help_text="Integer, text, 1/0, or for #131 a JSON document.")

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
