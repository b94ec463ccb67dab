"""Admin views tolerate an unknown query parameter (issue 10, item 7): every registered admin
URL that answers GET (the changelists, the object pages, the custom views, the import and
export pages) is requested with `?foo=1` by a superuser; none may answer 500 (it is ignored,
or refused with a 4xx and a message)."""
import datetime
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver

from billers.models import Biller
from exports.models import ExportFile
from exports.runs import run_export
from tests.support.activity import make_csv, payment_row
from tests.support.loadkit import load_file

SKIPPED = {"logout/",   # GET would only log the client out (405 on Django 5)
           "(?P<url>.*)"}   # the catch-all: any other address
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def admin_routes():
    """(route with <parameters>, model or None) of every URL of admin.site."""
    models = {f"{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}

    def walk(patterns, prefix, model):
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$").replace("\\/", "/")
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route, models.get(route, model))
            elif isinstance(pattern, URLPattern) and route not in SKIPPED:
                yield route, model

    return sorted(set(walk(admin.site.get_urls(), "", None)), key=lambda item: item[0])


ROUTES = admin_routes()


def fill(route, model):
    """The route with each parameter replaced by an existing value; None when there is none."""
    instance = model.objects.order_by("pk").first() if model is not None else None
    if route.startswith("r/"):   # the "view on site" shortcut: content type and object
        model, instance = Biller, Biller.objects.first()
    values = {"object_id": instance and instance.pk, "id": instance and instance.pk,
              "content_type_id": model and ContentType.objects.get_for_model(model).pk,
              "file_id": ExportFile.objects.values_list("pk", flat=True).first(),
              "app_label": "ingest"}
    if instance is not None and hasattr(instance, "history"):
        values["history_id"] = instance.history.values_list("history_id", flat=True).first()
    failed = []

    def value(match):
        name = match.group(2) or match.group(3)
        if values.get(name) is None:
            failed.append(name)
            return ""
        return str(values[name])

    url = PARAMETER.sub(value, route)
    return None if failed else "/admin/" + url


@pytest.fixture
def everything(demo):
    """One object of each kind the admin shows: a loaded load, activity, an export run."""
    from exports.activity import import_activity

    load_file("demo-watersmart", "watersmart.invoice", "watersmart_invoice.csv")
    watersmart = Biller.objects.get(slug="demo-watersmart")
    account = watersmart.accounts.order_by("pk").first().account_number
    result = import_activity("payments", watersmart, make_csv("payments", [payment_row(AccountNumber=account)]))
    assert not result.errors, result.errors
    for kind, row in [("rejects", {"AccountNumber": account, "TransactionDate": "2025-03-01",
                                   "RejectDate": "2025-03-09", "Amount": "10.00", "Code": "R01",
                                   "ReferenceNumber": "r-1"}),
                      ("changes", {"AccountNumber": account, "Kind": "email", "Value": "a@example.com",
                                   "At": "2025-03-09T12:00:00Z"})]:
        result = import_activity(kind, watersmart, make_csv(kind, [row]))
        assert not result.errors, result.errors
    run_export(watersmart, "watersmart.payments", datetime.date(2025, 3, 9))
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    return client


def test_the_walk_covers_the_pages_of_the_issue():
    routes = {route for route, _ in ROUTES}
    assert {"ingest/load/export/", "ingest/load/", "ingest/load/upload/", "exports/exportrun/run/",
            "ledger/payment/import/", "billers/biller/<int:object_id>/configuration-history/"} <= routes


QUERIES = [
    "foo=1",                                                    # the issue's case
    "foo=1&foo=2&=x&%FF=%FF&a[]=1",                             # repeated, empty, undecodable names
    "after=%C2%B2&before=99999999999999999999999&status=%00",   # the preview's cursors, hostile
    "o=zz&p=abc&e=1&_changelist_filters=zz",                    # the changelist's own, malformed
    "q=%00&o=1.-2",                                             # a NUL in the search (PostgreSQL refuses it)
]


@pytest.mark.parametrize("route, model", ROUTES, ids=[route for route, _ in ROUTES])
def test_an_unknown_query_parameter_never_makes_a_500(everything, route, model):
    url = fill(route, model)
    if url is None:
        pytest.skip(f"no object to show at {route}")
    for query in QUERIES:
        response = everything.get(f"{url}?{query}")
        assert response.status_code in (200, 301, 302, 400, 403, 404, 405), (url, query, response.status_code)
        if response.status_code == 400:
            assert response.content.strip(), (url, query)   # a message, not an empty page
