"""The biller's "Technical design" page in the admin (view permission on Biller), with the
Markdown and HTML downloads."""
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse

from billers.models import Biller
from design.render import context, render

DOWNLOADS = {"md": ("markdown", "text/markdown; charset=utf-8"), "html": ("html", "text/html; charset=utf-8")}


def technical_design_view(request, object_id):
    biller = Biller.objects.filter(pk=object_id).first()
    if biller is None:
        raise Http404("no such biller")
    if not (request.user.has_perm("billers.view_biller") or request.user.has_perm("billers.change_biller")):
        raise PermissionDenied
    download = request.GET.get("download")
    if download in DOWNLOADS:
        kind, content_type = DOWNLOADS[download]
        response = HttpResponse(render(biller, kind), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{biller.slug}-technical-design.{download}"'
        return response
    return TemplateResponse(request, "design/admin_page.html", {
        **admin.site.each_context(request), **context(biller),
        "title": f"Technical design: {biller}", "opts": Biller._meta})
