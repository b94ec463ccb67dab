"""Small pieces shared by the apps' admin classes."""
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest


class ReadOnlyMixin:
    """For a ModelAdmin or an inline whose rows are written by the pipelines (loads, exports,
    events): whoever has the view permission reads them; nobody adds, edits or deletes here."""

    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def username(field, description, empty="-"):
    """A read-only field showing the user in `field` as plain text.

    Django renders a read-only foreign key as a link to the related change page, and no role
    may open user records (only superusers can): a link to the user would be a 403 for everyone
    who reads the page."""

    @admin.display(description=description, ordering=f"{field}__username")
    def show(model_admin, obj):
        user = getattr(obj, field)
        return user.username if user is not None else empty

    show.__name__ = f"{field}_name"
    return show


class ExportFiltersMixin:
    """For a ModelAdmin with django-import-export's export page, which applies the changelist's
    filters from the query string: a parameter that is no filter (`?foo=1`) made it raise
    IncorrectLookupParameters, a server error. It is a 400 that names the problem instead (an
    export silently ignoring a filter would export rows the person did not ask for)."""

    def export_action(self, request):
        try:
            return super().export_action(request)
        except IncorrectLookupParameters as exc:
            problem = str(exc).split(". Choices are")[0]
            names = ", ".join(sorted(request.GET)) or "-"
            return HttpResponseBadRequest(
                f"The export cannot apply the filters in its address ({names}): {problem}. "
                "Open the export from the list's own filters.", content_type="text/plain; charset=utf-8")
def viewable_object(model_admin, request, object_id):
    """The admin's object `object_id` for a page of its own: 404 when absent, 403 when the
    user may not view it."""
    obj = model_admin.model.objects.filter(pk=object_id).first()
    if obj is None:
        raise Http404(f"no such {model_admin.opts.verbose_name}")
    if not model_admin.has_view_or_change_permission(request, obj):
        raise PermissionDenied
    return obj


def biller_time(field, description):
    """A column or read-only field showing an aware datetime in the biller's time zone with the
    zone's name (as outbound files and their names do)."""

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        value = getattr(obj, field)
        if value is None:
            return "-"
        return value.astimezone(obj.biller.zone).strftime("%Y-%m-%d %H:%M:%S %Z")

    column.__name__ = f"{field}_local"
    return column
