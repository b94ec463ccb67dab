"""Fixtures and helpers of the load workflow tests (upload, preview, approve, load).

Kept out of conftest.py (owned by the parser tests); test modules import what they use.
"""
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from billers.demo import seed_demo
from billers.models import Biller
from ingest.models import Load
from tests.shared import shared  # noqa: F401  (re-exported for the load tests)


def sample(name):
    return shared("samples", name)


@pytest.fixture
def demo(db):
    seed_demo()
    return {b.slug: b for b in Biller.objects.all()}


def login(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def support(demo):
    return login("support")


@pytest.fixture
def support2(demo):
    return login("support2")


def upload_url():
    return reverse("admin:ingest_load_upload")


def change_url(load):
    return reverse("admin:ingest_load_change", args=[load.pk])


def upload(client, biller_slug, code, path, name=None, allow_duplicate=False, data=None):
    """POST the upload form; returns (response, the newest load or None)."""
    biller = Biller.objects.get(slug=biller_slug)
    before = Load.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with open(path, "rb") as handle:
        form = {"biller": biller.pk, "file_format": code, "file": handle}
        if allow_duplicate:
            form["allow_duplicate"] = "on"
        form.update(data or {})
        response = client.post(upload_url(), form)
    load = Load.objects.filter(pk__gt=before).order_by("-pk").first()
    return response, load


def approve(client, load, acknowledge_errors=True, allow_duplicate=False, note=""):
    form = {"note": note}
    if acknowledge_errors:
        form["acknowledge_errors"] = "on"
    if allow_duplicate:
        form["allow_duplicate"] = "on"
    response = client.post(reverse("admin:ingest_load_approve", args=[load.pk]), form)
    load.refresh_from_db()
    return response


def load_file(biller_slug, code, name, uploader="support", approver="support2", allow_duplicate=False):
    """Upload, parse, approve (errors acknowledged) and load a sample through the admin."""
    response, load = upload(login(uploader), biller_slug, code, sample(name))
    assert response.status_code == 302, response.content[:2000]
    load.refresh_from_db()
    assert load.status == "parsed", (load.status, load.failure)
    approve(login(approver), load, allow_duplicate=allow_duplicate)
    assert load.status == "loaded", (load.status, load.failure)
    return load
