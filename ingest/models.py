"""Loads of inbound partner files and their append-only event history."""
import datetime
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from ledger.models import Account, Invoice, InvoiceDetail


class LoadStatus(models.TextChoices):
    UPLOADED = "uploaded", "uploaded"
    PARSING = "parsing", "parsing"
    PARSED = "parsed", "parsed (preview ready)"
    PARSE_FAILED = "parse_failed", "parse failed"
    APPROVED = "approved", "approved"
    LOADING = "loading", "loading"
    LOADED = "loaded", "loaded"
    LOAD_FAILED = "load_failed", "load failed"
    REJECTED = "rejected", "rejected"
    # reversal of a loaded load (ingest.reversal): requested (waiting for a second person on a
    # four-eyes biller), confirmed (queued for the workers), reversing (the task), reversed
    REVERSAL_REQUESTED = "reversal_requested", "reversal requested"
    REVERSAL_CONFIRMED = "reversal_confirmed", "reversal confirmed (queued)"
    REVERSING = "reversing", "reversing"
    REVERSED = "reversed", "reversed"


# Loads whose rows are in the ledger (a reversed load's are not): the duplicate check and a
# reversal's "changed by a later load" look at these.
IN_LEDGER = (LoadStatus.LOADED, LoadStatus.REVERSAL_REQUESTED, LoadStatus.REVERSAL_CONFIRMED, LoadStatus.REVERSING)

# Allowed transitions of the load lifecycle (DESIGN.md); anything else is refused.
TRANSITIONS = {
    LoadStatus.UPLOADED: {LoadStatus.PARSING, LoadStatus.PARSE_FAILED},
    LoadStatus.PARSING: {LoadStatus.PARSED, LoadStatus.PARSE_FAILED},
    LoadStatus.PARSE_FAILED: {LoadStatus.PARSING},
    LoadStatus.PARSED: {LoadStatus.APPROVED, LoadStatus.REJECTED, LoadStatus.PARSING},
    LoadStatus.APPROVED: {LoadStatus.LOADING, LoadStatus.LOAD_FAILED},
    LoadStatus.LOADING: {LoadStatus.LOADED, LoadStatus.LOAD_FAILED},
    # retry the load, or re-parse when the database changed under the preview
    LoadStatus.LOAD_FAILED: {LoadStatus.LOADING, LoadStatus.PARSING},
    # a reversal is requested, then confirmed (at once where the biller has no four-eyes rule);
    # a refused or failed reversal leaves the load loaded, as it was
    LoadStatus.LOADED: {LoadStatus.REVERSAL_REQUESTED, LoadStatus.REVERSAL_CONFIRMED},
    LoadStatus.REVERSAL_REQUESTED: {LoadStatus.REVERSAL_CONFIRMED, LoadStatus.LOADED},
    LoadStatus.REVERSAL_CONFIRMED: {LoadStatus.REVERSING, LoadStatus.LOADED},
    LoadStatus.REVERSING: {LoadStatus.REVERSED, LoadStatus.LOADED},
    LoadStatus.REVERSED: set(),
    LoadStatus.REJECTED: set(),
}


def stored_file_name(instance, filename):
    """Uploads are stored under a generated name; the original name is kept in the row."""
    return f"loads/{uuid.uuid4().hex}.upload"


class Load(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.PROTECT, related_name="loads")
    file_format = models.ForeignKey("billers.FileFormat", on_delete=models.PROTECT, related_name="loads")
    status = models.CharField(max_length=20, choices=LoadStatus.choices, default=LoadStatus.UPLOADED)
    file = models.FileField(upload_to=stored_file_name, max_length=200)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.BigIntegerField(help_text="bytes")
    encoding = models.CharField(max_length=20, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="uploaded_loads",
                                    help_text="Empty: uploaded by `manage.py ingest` without --user.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", help_text="An earlier loaded file with the same SHA-256.")
    allow_duplicate = models.BooleanField(default=False)
    records_count = models.PositiveIntegerField(default=0)
    ok_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    # 20 digits before the point: ok_count (at most 2**31) amounts of at most 10 digits always fit
    total_amount = models.DecimalField(max_digits=22, decimal_places=2, null=True, blank=True,
                                       help_text="Invoice or adjustment total of the ok records.")
    progress = models.PositiveIntegerField(default=0, help_text="Records processed by the running task.")
    header = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True, help_text="Why parsing or loading failed.")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="approved_loads")
    approved_at = models.DateTimeField(null=True, blank=True)
    errors_acknowledged = models.BooleanField(default=False)
    rejection_reason = models.TextField(blank=True)
    waiting_reason = models.TextField(
        blank=True, help_text="Why the parsed load was not approved automatically by its biller's rule.")
    loaded_at = models.DateTimeField(null=True, blank=True)
    before_images_taken = models.BooleanField(
        default=False, help_text="Before-images taken when loaded (ingest.reversal): the load can be reversed.")
    reversal_reason = models.TextField(blank=True, help_text="Why the load is (to be) reversed.")
    reversal_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                              blank=True, related_name="requested_reversals")
    reversal_requested_at = models.DateTimeField(null=True, blank=True)
    reversal_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                              blank=True, related_name="confirmed_reversals")
    reversal_confirmed_at = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    task_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the running parse or load task started (stuck-task detection).")
    # Whole-file results, computed once by the parse task (and refreshed by the load):
    error_fields = models.JSONField(
        default=dict, blank=True,
        help_text='Errors grouped by field: {"Field": {"count": n, "examples": [{"line", "message"}]}}.')
    comparison = models.JSONField(default=dict, blank=True,
                                  help_text="Comparison with the previous loaded load of the biller and format.")
    plan = models.JSONField(default=dict, blank=True,
                            help_text="What the load will do (or did) to accounts, invoices and balances.")

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_load", "Can approve or reject a load"),
            ("reverse_load", "Can request or confirm the reversal of a loaded load"),
        ]
        indexes = [models.Index(fields=["biller", "file_format", "status"])]

    def __str__(self):
        return f"Load {self.pk} {self.original_name}"

    def invoices(self):
        """The invoices this load wrote last (the ledger keeps the load's number, not a key)."""
        return Invoice.objects.filter(written_by_load=self.pk)


class LoadEvent(models.Model):
    """One transition of a load: who, when, from which status to which, and a note."""

    load = models.ForeignKey(Load, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    from_status = models.CharField(max_length=20, choices=LoadStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=LoadStatus.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("load events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("load events are append-only")


class RecordStatus(models.TextChoices):
    OK = "ok", "ok"
    ERROR = "error", "error"
    SKIPPED = "skipped", "skipped"


class Action(models.TextChoices):
    NEW = "new", "new"
    UPDATED = "updated", "updated"
    UNCHANGED = "unchanged", "unchanged"


class StagedRecord(models.Model):
    """One parsed record of a load, in file order (`seq`), kept for the preview and the report.

    The preview pages through a load's records by status with a seek on (load, status, seq),
    so a page costs the same whatever the file's size.
    """

    # No foreign-key constraint in the database: it checked the same load row once per staged
    # record when the writing transaction committed (a million checks for a file of a million
    # records, ~10 s). What it guaranteed is kept otherwise: the one statement that writes the
    # PostgreSQL path's records (ingest.setbased._publish) first takes the load row's KEY SHARE
    # lock, as the check did, so the load cannot disappear under them; deleting a load deletes
    # its records (CASCADE is Django's); nothing else writes staging.
    load = models.ForeignKey(Load, on_delete=models.CASCADE, related_name="records", db_constraint=False,
                             db_index=False)  # the unique (load, seq) index serves
    seq = models.PositiveIntegerField(help_text="1-based position in the file.")
    line = models.PositiveIntegerField(help_text="1-based physical line where the record starts.")
    status = models.CharField(max_length=10, choices=RecordStatus.choices)
    reason = models.CharField(max_length=200, blank=True)
    errors = models.JSONField(default=list, blank=True, help_text='[{"field": ..., "message": ...}]')
    data = models.JSONField(default=dict, blank=True,
                            help_text="The normalized record (FORMATS.md 6): invoice, customer, details or adjustment.")
    account_number = models.CharField(max_length=60, blank=True)
    invoice_number = models.CharField(max_length=80, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    account_action = models.CharField(max_length=10, choices=Action.choices, blank=True)
    invoice_action = models.CharField(max_length=10, choices=Action.choices, blank=True)
    balance = models.JSONField(null=True, blank=True,
                               help_text='Adjustments: {"previous", "new", "difference"} as planned or applied.')

    class Meta:
        ordering = ["load", "seq"]
        constraints = [models.UniqueConstraint(fields=["load", "seq"], name="one_staged_record_per_seq")]
        indexes = [
            models.Index(fields=["load", "status", "seq"], name="staged_by_status"),
            models.Index(fields=["account_number"], name="staged_by_account_number"),  # search loads by account
        ]

    def __str__(self):
        return f"line {self.line} {self.status}"


class AdjustmentApplied(models.Model):
    """The balance change one adjustment record made when its load was loaded (FORMATS.md 5.3)."""

    load = models.ForeignKey(Load, on_delete=models.PROTECT, related_name="adjustments")
    # DO_NOTHING lets a re-parse delete staging with one DELETE; the database's foreign key
    # still refuses to delete a staged record that an applied adjustment points to.
    record = models.OneToOneField(StagedRecord, on_delete=models.DO_NOTHING, related_name="applied")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="adjustments")
    line = models.PositiveIntegerField()
    adjustment_type_id = models.PositiveSmallIntegerField("AdjustmentTypeID")
    amount = models.DecimalField("AdjustmentAmount", max_digits=14, decimal_places=2)
    previous_balance = models.DecimalField(max_digits=14, decimal_places=2)
    new_balance = models.DecimalField(max_digits=14, decimal_places=2)
    difference = models.DecimalField(max_digits=14, decimal_places=2)
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["load", "line"]
        verbose_name = "adjustment applied"
        verbose_name_plural = "adjustments applied"

    def __str__(self):
        return f"{self.account_id}: {self.previous_balance} -> {self.new_balance}"


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but datetimes and times keep their microseconds (it cuts them to
    milliseconds): a before-image must give back the exact value."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


class BeforeImage(models.Model):
    """A ledger row as it was right before a load wrote it (ingest.reversal), for reversing it,
    as JSON: the images of loads made before the typed images (AccountImage, InvoiceImage,
    DetailImage below), which loads now write instead; restore reads both.

    One row per account number and per invoice number of the load's ok records that named a
    row the biller had; `data` is the row's column values by attname (an invoice's also holds
    "details": its detail lines). A key of the load's ok records without an image named no row:
    the load created it (no "absent" row is written for it; `Load.before_images_taken` says the
    images were taken). Images written before that change may still hold a null `data` for
    such a key. Keys and ids are plain values, no foreign keys, so the images survive whatever
    happens to the rows."""

    ACCOUNT, INVOICE = "account", "invoice"

    # No database constraint on `load` (issue 11): the images are written only by run_load, in
    # the load's transaction with its row locked (it cannot go before the commit), and a load
    # is deleted through the ORM, which deletes its images (CASCADE); the constraint's check
    # at commit cost one trigger per image (two million for a file of a million updates).
    load = models.ForeignKey(Load, on_delete=models.CASCADE, related_name="before_images",
                             db_index=False,  # the unique (load, kind, key) index serves
                             db_constraint=False)
    kind = models.CharField(max_length=10, choices=[(ACCOUNT, "account"), (INVOICE, "invoice")])
    key = models.CharField(max_length=80, help_text="AccountNumber or InvoiceNumber.")
    row_id = models.BigIntegerField(null=True, blank=True, help_text="The row's id; empty: created by the load.")
    data = models.JSONField(null=True, blank=True, encoder=ExactJSONEncoder)

    class Meta:
        ordering = ["load", "kind", "key"]
        constraints = [models.UniqueConstraint(fields=["load", "kind", "key"], name="one_before_image_per_key")]
        indexes = [models.Index(fields=["kind", "key"], name="before_image_by_key")]

    def __str__(self):
        return f"{self.kind} {self.key} before load {self.load_id}"


# --- typed before-images (issue 11) ------------------------------------------------------------
# A load's before-images are copies of the ledger rows it is about to write, column for column:
# one INSERT ... SELECT per table, no JSON built per row (at 200,000 updated invoices the JSON
# images were 23 of the load step's 50 s: 45 keys and values per invoice, 1.5 kB of jsonb each).
# The image models take their columns from the ledger models (`image_fields`), so a column added
# to Account, Invoice or InvoiceDetail changes its image model too (makemigrations --check
# says so). BeforeImage keeps the JSON images of loads made before; restore reads both.

IMAGE_DROPPED = ("primary_key", "unique", "db_index", "default", "db_default", "auto_now", "auto_now_add",
                 "editable", "validators", "choices", "help_text", "verbose_name", "blank", "db_comment")


def image_fields(model):
    """{attname: field}: every non-key column of `model` as a plain field of the same type and
    nullability (a foreign key as its integer id), without index, uniqueness or default."""
    fields = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.is_relation:
            copy = (models.BigIntegerField if field.target_field.get_internal_type() in ("BigAutoField", "BigIntegerField")
                    else models.IntegerField)(null=field.null)
        else:
            _name, _path, args, kwargs = field.deconstruct()
            for name in IMAGE_DROPPED:
                kwargs.pop(name, None)
            copy = type(field)(*args, **kwargs)
        fields[field.attname] = copy
    return fields


def _image_model(name, model, key, doc):
    """An image model of `model`: the load, the imaged row's id and its columns; `key`, the
    column the load's records name the row by (None for detail lines), unique per load."""
    meta = {"ordering": ["load", key or "row_id"]}
    if key:
        meta["constraints"] = [models.UniqueConstraint(fields=["load", key], name=f"one_{name.lower()}_per_key")]
    else:
        meta["indexes"] = [models.Index(fields=["load", "invoice_id"], name="detail_image_by_invoice")]
    attrs = {
        "__module__": __name__, "__doc__": doc,
        # no database constraint on `load`, as BeforeImage.load (one check per image at commit)
        "load": models.ForeignKey(Load, on_delete=models.CASCADE, related_name=f"{name.lower()}s", db_index=False,
                                  db_constraint=False),
        "row_id": models.BigIntegerField(help_text="The imaged row's id."),
        "Meta": type("Meta", (), meta),
        **image_fields(model),
    }
    return type(name, (models.Model,), attrs)


AccountImage = _image_model("AccountImage", Account, "account_number",
                            "An account as it was right before a load wrote it (ingest.reversal).")
InvoiceImage = _image_model("InvoiceImage", Invoice, "invoice_number",
                            "An invoice as it was right before a load wrote it (ingest.reversal); its detail "
                            "lines are DetailImages.")
DetailImage = _image_model("DetailImage", InvoiceDetail, None,
                           "A detail line of an imaged invoice as it was right before a load wrote it.")
