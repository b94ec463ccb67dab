"""Small pieces shared by the apps' admin classes."""
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpResponseBadRequest


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
