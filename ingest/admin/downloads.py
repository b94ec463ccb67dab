"""Downloads of a load (error report CSV, IC standard file, original file), for users who
may view loads; streamed, never built in memory."""
from django.http import FileResponse, Http404, StreamingHttpResponse

from ingest import reports
from ingest.admin.preview import STAGED
from ingest.admin.views import get_load

UTF8_BOM = "\ufeff"  # so that spreadsheet programs read the error report as UTF-8


def _attachment(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def download_view(model_admin, request, object_id, what):
    load = get_load(model_admin, request, object_id)   # view_load checked there
    if what == "original":
        if not load.file:
            raise Http404("the load has no stored file")
        return FileResponse(load.file.open("rb"), as_attachment=True,
                            filename=load.original_name or f"load-{load.pk}", content_type="application/octet-stream")
    if load.status not in STAGED:
        raise Http404("the load has no parsed records")
    if what == "errors":
        lines = _with_bom(reports.error_report(load))
        return _attachment(StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8"),
                           f"load-{load.pk}-errors.csv")
    if what == "ic":
        return _attachment(StreamingHttpResponse(reports.ic_file(load), content_type="text/csv; charset=utf-8"),
                           f"load-{load.pk}-ic-standard.csv")
    raise Http404("no such download")


def _with_bom(lines):
    yield UTF8_BOM
    yield from lines
