"""The admin pages of the ledger's models moved with the models (issue 16): a bookmarked
/admin/billers/account/..., /admin/billers/invoice/..., /admin/exports/payment/... (and the
rejects' and changes' pages) answers with a permanent redirect to the same page under
/admin/ledger/, query string kept. The target page checks the permission, as before."""
from django.http import HttpResponsePermanentRedirect
from django.urls import re_path, reverse

MOVED = {"billers": ["account", "invoice", "invoicedetail"], "exports": ["payment", "achreject", "accountchange"]}


def moved_page(request, model, rest=""):
    url = f"{reverse('admin:app_list', args=['ledger'])}{model}/{rest}"
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def moved_admin_urls():
    """URL patterns to include before the admin's own."""
    return [re_path(rf"^admin/{app}/(?P<model>{model})/(?P<rest>.*)$", moved_page)
            for app, models in MOVED.items() for model in models]
