"""The preview part of a load's page: the stored whole-file results and one page of records.

Everything here reads what the parse task stored on the load, plus one page of staged
records found by a seek on (load, status, seq): the work is proportional to the page.
"""
from billers.models import BifCustomization
from ingest.models import LoadStatus, RecordStatus

PAGE_SIZE = 50
IN_PROGRESS = {LoadStatus.UPLOADED, LoadStatus.PARSING, LoadStatus.APPROVED, LoadStatus.LOADING}
STAGED = {LoadStatus.PARSED, LoadStatus.APPROVED, LoadStatus.LOADING, LoadStatus.LOADED,
          LoadStatus.LOAD_FAILED, LoadStatus.REJECTED}


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
    after, before = _int(params.get("after")), _int(params.get("before"))
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
    }
