"""Downloads of a load (error report CSV, IC standard file, original file), for users who
may view loads; streamed, never built in memory."""
from django.http import FileResponse, Http404

from icportal.human_csv import csv_download
from ingest import reports
from ingest.admin.preview import STAGED
from ingest.admin.views import get_load


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
        return csv_download(f"load-{load.pk}-errors.csv", reports.error_report(load))
    if what == "ic":
        return csv_download(f"load-{load.pk}-ic-standard.csv", reports.ic_file(load))
    raise Http404("no such download")
