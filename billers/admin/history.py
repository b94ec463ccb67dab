"""One page per biller with every configuration change: biller, settings, BIF, formats."""
from django.template.response import TemplateResponse

from billers.history import HISTORY_LIMIT, configuration_changes
from billers.models import Biller


def configuration_history_page(model_admin, request, biller):
    """The page of `biller`'s configuration changes (BillerAdmin.configuration_history_view
    checks the view permission first)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Configuration history: {biller}",
        "biller": biller,
        "opts": Biller._meta,
        "entries": configuration_changes(biller),
        "limit": HISTORY_LIMIT,
    }
    return TemplateResponse(request, "admin/billers/biller/configuration_history.html", context)
