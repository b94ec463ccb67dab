"""Forms of the load workflow: upload (biller, then format, then file), approve, reject."""
from django import forms
from django.conf import settings

from billers.models import Biller
from ingest.actions import enabled_inbound_formats, size_refusal


class BillerForm(forms.Form):
    """Step 1 of the upload: the biller (its enabled inbound formats are offered next)."""

    biller = forms.ModelChoiceField(queryset=Biller.objects.filter(active=True).order_by("name"))


def inbound_choices(biller):
    rows = enabled_inbound_formats(biller)
    return [(row.file_format.code, f"{row.file_format.code}: {row.file_format.name}") for row in rows]


class UploadForm(forms.Form):
    """Step 2: a format among the biller's enabled inbound formats, and the file."""

    biller = forms.ModelChoiceField(queryset=Biller.objects.filter(active=True), widget=forms.HiddenInput)
    file_format = forms.ChoiceField(label="Format")
    file = forms.FileField(help_text=f"At most {settings.MAX_UPLOAD_MB} MB.")
    allow_duplicate = forms.BooleanField(
        required=False, label="This file may have been loaded before: load it again on purpose",
        help_text="Needed only when the same file (SHA-256) was already loaded for this biller and format.")

    def __init__(self, *args, biller, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["biller"].initial = biller.pk
        self.fields["file_format"].choices = inbound_choices(biller)
        self.biller = biller

    def clean_biller(self):
        biller = self.cleaned_data["biller"]
        if biller.pk != self.biller.pk:
            raise forms.ValidationError("the biller changed; start the upload again")
        return biller

    def clean_file(self):
        upload = self.cleaned_data["file"]
        too_big = size_refusal(upload.size)
        if too_big:
            raise forms.ValidationError(too_big)
        return upload


class ApproveForm(forms.Form):
    acknowledge_errors = forms.BooleanField(required=False)
    allow_duplicate = forms.BooleanField(
        required=False, label="This file was already loaded: load it again on purpose (nothing is duplicated)")
    note = forms.CharField(required=False, max_length=500, widget=forms.TextInput(attrs={"size": 60}))

    def __init__(self, *args, load, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["acknowledge_errors"].label = (
            f"Load {load.ok_count} ok records, leave {load.error_count} errors in the error report")


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)
