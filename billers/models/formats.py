"""File formats (the 12 codes of FORMATS.md section 1) and the ones each biller uses.

FileFormat rows are the catalogue that billers.catalog builds from the parsers' and writers'
declarations; BillerFileFormat (which biller uses which format, with its options) is
configuration kept here."""
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from billers.format_options import validate_options
from billers.models.biller import Integration


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound (partner to IC)"
    OUTBOUND = "outbound", "Outbound (IC to partner)"


class FileFormat(models.Model):
    code = models.CharField(max_length=60, unique=True)
    name = models.CharField("IC name", max_length=200)
    integration = models.CharField(max_length=20, choices=Integration.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    kind = models.CharField(max_length=20, help_text="invoice, adjustment, payments, rejects, changelog")
    extension = models.CharField(max_length=10)
    delimiter = models.CharField(max_length=60)
    naming_convention = models.CharField(max_length=200, blank=True)
    default_invoice_type_id = models.PositiveIntegerField("default InvoiceTypeID", null=True, blank=True)
    transfer_frequency = models.CharField("file transfer frequency", max_length=100, blank=True)
    repository = models.CharField("project repository", max_length=100, blank=True,
                                  help_text="The Stratus project that processes the file, e.g. StratusFileProcessor.")
    class_name = models.CharField("class / file name", max_length=200, blank=True,
                                  help_text="The class (file) within the Stratus repository.")
    itr = models.CharField("ITR", max_length=30, blank=True)
    document_status = models.CharField(max_length=30, blank=True, help_text="e.g. DRAFT, COMPLETE")
    document_owner = models.CharField(max_length=100, blank=True)
    sample_link = models.CharField("sample file link", max_length=200, blank=True,
                                   help_text="Where the seed keeps its sample (a URL).")
    sample_file = models.FileField(upload_to="format_samples/", blank=True,
                                   help_text="A sample file of the format, kept with it and downloadable.")
    retired = models.BooleanField(
        default=False, help_text="No parser or writer declares this code any more: kept for the billers, "
                                 "loads and history that name it; offered to no biller.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["direction", "code"]

    def __str__(self):
        return self.code


class BillerFileFormat(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.CASCADE, related_name="file_formats")
    file_format = models.ForeignKey(FileFormat, on_delete=models.PROTECT, related_name="billers")
    enabled = models.BooleanField(default=True)
    invoice_type_id = models.PositiveIntegerField(
        "InvoiceTypeID override", null=True, blank=True,
        help_text="Empty: the format's default InvoiceTypeID.")
    invoice_format_guid = models.UUIDField("InvoiceFormatGuid", null=True, blank=True)
    inbox_naming = models.CharField(
        "inbox file naming", max_length=200, blank=True,
        help_text="Inbound: the names this biller's files of the format have in its inbox folder, e.g. "
                  "UB_Bills_YYYYMMDD*.xml (| between alternatives). Empty: the format's naming convention.")
    options = models.JSONField(default=dict, blank=True,
                               help_text='Per-format options, e.g. {"split": true} or {"landlord_marker": "Landlord=\\"Y\\""}')
    history = HistoricalRecords()

    class Meta:
        ordering = ["biller", "file_format__code"]
        verbose_name = "biller file format"
        constraints = [
            models.UniqueConstraint(fields=["biller", "file_format"], name="one_row_per_biller_format"),
        ]

    def __str__(self):
        return f"{self.biller} {self.file_format}"

    @property
    def effective_inbox_naming(self):
        return self.inbox_naming or self.file_format.naming_convention

    @property
    def effective_invoice_type_id(self):
        return self.invoice_type_id or self.file_format.default_invoice_type_id

    def clean(self):
        if self.file_format_id is None:
            return
        errors = {}
        try:
            self.options = validate_options(self.file_format.code, self.options)
        except ValueError as exc:
            errors["options"] = str(exc)
        if self.enabled and self.file_format.retired:
            errors["file_format"] = f"{self.file_format.code} is retired: no parser or writer declares it any more"
        if self.biller_id is not None and self.biller.integration != self.file_format.integration:
            errors["file_format"] = (f"{self.file_format.code} is a {self.file_format.get_integration_display()} "
                                     f"format; this biller uses {self.biller.get_integration_display()}")
        if self.inbox_naming and self.file_format.direction != Direction.INBOUND:
            errors["inbox_naming"] = f"{self.file_format.code} is an outbound format: the inbox never receives it"
        if self.invoice_type_id is not None and self.file_format.default_invoice_type_id is None:
            errors["invoice_type_id"] = f"{self.file_format.code} has no InvoiceTypeID"
        if errors:
            raise ValidationError(errors)
