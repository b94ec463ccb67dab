"""The admin import of activity CSVs through django-import-export: upload with a biller,
dry-run preview, confirm. The resource delegates to exports.activity, so the rules (and the
line numbers of errors) are exactly those of `manage.py import_activity`."""
from types import SimpleNamespace

import tablib
from django import forms
from django.contrib import messages
from import_export import resources
from import_export.admin import ImportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import Result, RowResult

from billers.models import Biller
from exports.activity import KINDS, FileRefused, check_header, import_activity, validate

PREVIEW_ROWS = 200


class ActivityDataset(tablib.Dataset):
    """Keeps the uploaded text: the activity reader needs its physical lines."""

    def __init__(self, text):
        super().__init__()
        self.activity_text = text

    def __bool__(self):
        return bool(self.activity_text.strip())


class ActivityCSV(base_formats.CSV):
    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        return ActivityDataset(in_stream)


class ActivityResource(resources.Resource):
    kind = None  # "payments", "rejects" or "changes"

    def __init__(self, biller=None, **kwargs):
        super().__init__()
        self.biller = biller

    @classmethod
    def get_display_name(cls):
        return f"{cls.kind} (FORMATS.md section 8)"

    def get_user_visible_fields(self):
        return [SimpleNamespace(column_name=f.source.name) for f in KINDS[self.kind].fields]

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        result = Result()
        result.diff_headers = [f.source.name for f in KINDS[self.kind].fields]
        result.activity_errors = []
        try:
            if dry_run:
                checked = validate(self.kind, self.biller, dataset.activity_text)
                rows, errors, objects = checked.rows, checked.errors, [values for _, values, _ in checked.valid]
                changed = [values for _, _, values in checked.changes]
            else:
                done = import_activity(self.kind, self.biller, dataset.activity_text, user=kwargs.get("user"))
                rows, errors, objects, changed = done.rows, done.errors, done.objects, done.changed_objects
        except FileRefused as exc:  # the form checked the header; the file changed in between
            result.activity_errors = [str(exc)]
            return result
        result.total_rows = rows
        result.activity_errors = [str(e) for e in errors]
        for index, obj in enumerate(objects):
            row = RowResult()
            row.import_type = RowResult.IMPORT_TYPE_NEW
            if dry_run:
                if index < PREVIEW_ROWS:
                    row.diff = [preview_value(obj.get(f.name)) for f in KINDS[self.kind].fields]
            else:
                row.instance = obj
                row.add_instance_info(obj)
            result.append_row_result(row)
            result.increment_row_result_total(row)
        for index, item in enumerate(changed):  # payments voided or reversed by a later row
            row = RowResult()
            row.import_type = RowResult.IMPORT_TYPE_UPDATE
            if not dry_run:  # the changed Payment
                row.instance = item
                row.add_instance_info(item)
            elif index < PREVIEW_ROWS:  # the row's values
                row.diff = [preview_value(item.get(f.name)) for f in KINDS[self.kind].fields]
            result.append_row_result(row)
            result.increment_row_result_total(row)
        result.totals[RowResult.IMPORT_TYPE_SKIP] = len({e.line for e in errors})
        return result


def preview_value(value):
    return "" if value is None else str(value)


def resource_for(kind_name):
    return type(f"{kind_name.title()}Resource", (ActivityResource,), {"kind": kind_name})


class ActivityImportForm(ImportForm):
    biller = forms.ModelChoiceField(queryset=Biller.objects.order_by("name"))
    field_order = ["biller", "resource", "import_file", "format"]

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.kind = resources[0].kind

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is not None:
            try:
                check_header(self.kind, upload.read())
            except FileRefused as exc:
                self.add_error("import_file", str(exc))
            upload.seek(0)
        return cleaned


class ActivityConfirmForm(ConfirmImportForm):
    biller = forms.ModelChoiceField(queryset=Biller.objects.all(), widget=forms.HiddenInput())


class ActivityImportMixin(ImportMixin):
    """ImportMixin for an activity admin: needs the add permission of the model."""
    import_form_class = ActivityImportForm
    confirm_form_class = ActivityConfirmForm
    import_formats = [ActivityCSV]
    import_template_name = "admin/exports/activity_import.html"
    activity_kind = None

    def get_import_resource_classes(self, request):
        return [resource_for(self.activity_kind)]

    def has_import_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        biller = form.cleaned_data.get("biller") if form is not None and hasattr(form, "cleaned_data") else None
        return {"biller": biller}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["biller"] = import_form.cleaned_data["biller"].pk
        return initial

    def add_success_message(self, result, request):
        imported = result.totals[RowResult.IMPORT_TYPE_NEW]
        changed = result.totals[RowResult.IMPORT_TYPE_UPDATE]
        messages.success(request, f"Imported {imported} {self.opts.verbose_name_plural}."
                                  + (f" Voided or reversed {changed} imported before." if changed else ""))
        errors = getattr(result, "activity_errors", [])
        if errors:
            shown = "; ".join(errors[:10]) + (f"; and {len(errors) - 10} more" if len(errors) > 10 else "")
            messages.warning(request, f"Not imported ({len(errors)} errors): {shown}")
