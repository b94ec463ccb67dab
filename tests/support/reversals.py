"""Helpers of the load reversal tests: load a file through the pipeline (as the workers do),
and read the whole of a biller's ledger rows for a before/after comparison."""
from django.contrib.auth.models import User
from django.core.files.base import ContentFile

from ledger.models import Account, Invoice, InvoiceDetail
from ingest import pipeline
from ingest.models import Load, LoadStatus


def user(username):
    return User.objects.get(username=username)


def loaded(biller, code, text, name="file.txt", uploader="support", approver="support2"):
    """Upload, parse, approve (errors acknowledged) and load `text`; the load, loaded."""
    load = pipeline.upload(biller, code, ContentFile(text.encode(), name=name), user(uploader))
    load = pipeline.parse_load(load.pk)
    assert load.status == LoadStatus.PARSED, load.failure
    pipeline.approve(load, user(approver), acknowledge_errors=True)
    load = pipeline.run_load(load.pk, user(approver).pk)
    assert load.status == LoadStatus.LOADED, load.failure
    return load


def reversed_now(load, username="support", reason="wrong file"):
    """Request (and, on a biller without four eyes, run) the reversal as the workers would."""
    load = pipeline.reverse(load, user(username), reason)
    if load.status == LoadStatus.REVERSAL_CONFIRMED:
        load = pipeline.run_reversal(load.pk, user(username).pk)
    return Load.objects.get(pk=load.pk)


def ledger_rows(biller):
    """Every column of every account, invoice and detail line of the biller, in a fixed order."""
    return {
        "accounts": list(Account.objects.filter(biller=biller).order_by("pk").values()),
        "invoices": list(Invoice.objects.filter(biller=biller).order_by("pk").values()),
        "details": list(InvoiceDetail.objects.filter(invoice__biller=biller).order_by("pk").values()),
    }
