"""One page per biller with every configuration change: biller, settings, BIF, formats."""
from django.template.response import TemplateResponse

from billers.history import HISTORY_LIMIT, configuration_changes
from billers.models import Biller
from icportal.admin_helpers import viewable_object


def configuration_history_view(model_admin):
    def view(request, object_id):
        biller = viewable_object(model_admin, request, object_id)
        context = {
            **model_admin.admin_site.each_context(request),
            "title": f"Configuration history: {biller}",
            "biller": biller,
            "opts": Biller._meta,
            "entries": configuration_changes(biller),
            "limit": HISTORY_LIMIT,
        }
        return TemplateResponse(request, "admin/billers/biller/configuration_history.html", context)

    return view
