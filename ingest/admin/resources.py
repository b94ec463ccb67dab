"""The load history as django-import-export exports it (CSV and XLSX)."""
from import_export import fields, resources

from ingest.models import Load
from icportal.human_csv import safe_cell


class LoadResource(resources.ModelResource):
    biller = fields.Field(attribute="biller__slug", column_name="biller")
    file_format = fields.Field(attribute="file_format__code", column_name="format")
    uploaded_by = fields.Field(attribute="uploaded_by__username", column_name="uploaded_by")
    approved_by = fields.Field(attribute="approved_by__username", column_name="approved_by")

    class Meta:
        model = Load
        fields = ("id", "biller", "file_format", "status", "original_name", "sha256", "size", "encoding",
                  "uploaded_by", "created_at", "approved_by", "approved_at", "loaded_at", "records_count",
                  "ok_count", "error_count", "skipped_count", "total_amount", "duplicate_of", "allow_duplicate",
                  "errors_acknowledged", "rejection_reason", "failure")
        export_order = fields

    def dehydrate_duplicate_of(self, load):
        return load.duplicate_of_id or ""

    def export_field(self, field, instance, **kwargs):
        """Text cells are neutralised against formula injection (file names come from users), CSV and XLSX."""
        value = super().export_field(field, instance, **kwargs)
        return safe_cell(value) if isinstance(value, str) else value
