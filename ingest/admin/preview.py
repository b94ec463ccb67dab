"""The preview part of a load's page: the stored whole-file results and one page of records.

Everything here reads what the parse task stored on the load, plus one page of staged
records found by a seek on (load, status, seq): the work is proportional to the page.
"""
from django.db.models import Q
from django.utils import timezone

from billers.models import BifCustomization
from ingest.actions import STAGED
from ingest.formats import get_format, head_of_upload
from ingest.formats.sniff import guess_shape
from ingest.models import Load, LoadStatus, RecordStatus

PAGE_SIZE = 50
IN_PROGRESS = {LoadStatus.UPLOADED, LoadStatus.PARSING, LoadStatus.APPROVED, LoadStatus.LOADING,
               LoadStatus.REVERSAL_CONFIRMED, LoadStatus.REVERSING}


SEQ_LIMIT = 2**31 - 1   # StagedRecord.seq is a PositiveIntegerField


def _int(text):
    """A seek cursor from the query string; anything but ASCII digits in range is ignored (0)
    (`"²".isdigit()` is true, but int() refuses it)."""
    if not (text and text.isascii() and text.isdigit() and len(text) <= 10):
        return 0
    return int(text) if int(text) <= SEQ_LIMIT else 0


def records_page(load, params, size=PAGE_SIZE):
    """One page of the load's records, optionally of one status, with seek cursors."""
    status = params.get("status", "")
    if status not in RecordStatus.values:
        status = ""
    queryset = load.records.all()
    if status:
        queryset = queryset.filter(status=status)
    search = "".join(ch for ch in (params.get("q") or "") if ch.isprintable()).strip()[:80]  # PostgreSQL refuses NUL
    if search:
        queryset = queryset.filter(Q(account_number=search) | Q(invoice_number=search))
    after, before = _int(params.get("after")), _int(params.get("before"))
    jump = _int(params.get("line"))
    if jump:   # "jump to line": the page that starts with the record holding that line
        start = queryset.filter(line__lte=jump).order_by("-seq").values_list("seq", flat=True).first()
        after, before = (start - 1 if start else 0), 0
    if before:
        rows = list(queryset.filter(seq__lt=before).order_by("-seq")[:size + 1])
        has_previous = len(rows) > size
        rows = rows[:size][::-1]
        has_next = True
    else:
        rows = list(queryset.filter(seq__gt=after).order_by("seq")[:size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = bool(rows) and after > 0 and queryset.filter(seq__lt=rows[0].seq).exists()
    return {
        "status": status,
        "search": search,
        "line": jump or "",
        "rows": rows,
        "next_after": rows[-1].seq if rows and has_next else None,
        "previous_before": rows[0].seq if rows and has_previous else None,
        "statuses": [("", "all", load.records_count), ("ok", "ok", load.ok_count),
                     ("error", "error", load.error_count), ("skipped", "skipped", load.skipped_count)],
    }


def bif_rows(load):
    """The biller's BIF features with a value, as applied to this load's invoices: the source
    (questionnaire value or rule) and the value on the first ok invoice (one staged record)."""
    if load.file_format.kind != "invoice":
        return []
    first = load.records.filter(status=RecordStatus.OK).order_by("seq").first()
    invoice = (first.data.get("invoice") or {}) if first else {}
    rows = []
    for row in BifCustomization.objects.filter(biller=load.biller).select_related("feature").order_by("feature__name"):
        if not row.has_value or row.feature.name not in invoice:
            continue
        source = row.rule or row.value
        rows.append({"feature": row.feature.name, "source": f"{row.get_source_display()}: {source}",
                     "value": invoice.get(row.feature.name), "line": first.line})
    return rows
BADGES = {LoadStatus.PARSED: "ready", LoadStatus.LOADED: "done", LoadStatus.PARSE_FAILED: "failed",
          LoadStatus.LOAD_FAILED: "failed", LoadStatus.REJECTED: "closed", LoadStatus.REVERSED: "closed",
          LoadStatus.REVERSAL_REQUESTED: "ready"}


def badge(status):
    """The colour class of a status badge: ready, done, failed, closed or running."""
    return BADGES.get(status, "running")


def estimate_progress(load, now=None):
    """{"done", "total", "percent", "remaining_s"} of a running parse or load, or None.

    A load knows its total (the ok records); a parse estimates it from the bytes per record
    of the previous parsed file of the same biller and format (no estimate without one)."""
    if load.status == LoadStatus.LOADING:
        total = load.ok_count
    elif load.status == LoadStatus.PARSING:
        previous = (Load.objects.filter(biller=load.biller_id, file_format=load.file_format_id, records_count__gt=0)
                    .exclude(pk=load.pk).order_by("-pk").values("size", "records_count").first())
        total = round(load.size * previous["records_count"] / previous["size"]) if previous and previous["size"] else 0
    else:
        return None
    done = min(load.progress, total) if total else load.progress
    percent = int(100 * done / total) if total else None
    remaining = None
    if percent and load.task_started_at and percent < 100:
        elapsed = ((now or timezone.now()) - load.task_started_at).total_seconds()
        remaining = int(elapsed * (100 - percent) / percent)
    return {"done": load.progress, "total": total, "percent": percent, "remaining_s": remaining}


def shape_hint(load):
    """For a failed parse: what the stored file looks like, when that is another format."""
    if load.status != LoadStatus.PARSE_FAILED or "looks like" in load.failure or not load.file:
        return None
    try:
        with load.file.open("rb") as stream:
            shape = guess_shape(head_of_upload(stream.read(16 * 1024)))
    except OSError:
        return None
    spec = get_format(load.file_format.code)
    if shape is None or (shape.partner, shape.kind) == (spec.partner, spec.kind):
        return None
    return f"The file looks like {shape.label}: upload it again with a {shape.partner}.{shape.kind} format."


def preview_context(load, params):
    staged = load.status in STAGED
    kind = load.file_format.kind
    return {
        "load": load,
        "kind": kind,
        "in_progress": load.status in IN_PROGRESS,
        "staged": staged,
        "noun": "invoice" if kind == "invoice" else "adjustment",
        "error_fields": sorted((load.error_fields or {}).items(), key=lambda item: (-item[1]["count"], item[0])),
        "comparison": load.comparison or {},
        "plan": load.plan or {},
        "page": records_page(load, params) if staged else None,
        "bif": bif_rows(load) if staged else [],
        "badge": badge(load.status),
        "progress": estimate_progress(load) if load.status in IN_PROGRESS else None,
        "shape_hint": shape_hint(load),
    }
