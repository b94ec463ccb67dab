"""The format catalogue (FileFormat rows) is built from the parsers' and writers' declarations
(billers.catalog); per-biller enablement and the seeds' metadata stay in the database."""
import dataclasses
import json

import pytest
from django.core.exceptions import ValidationError

from billers.catalog import sync_catalogue
from billers.models import Biller, BillerFileFormat, FileFormat
from exports.writers import WRITERS
from ingest.config import build_parse_config
from ingest.formats import FORMATS, FormatSpec, parse, watersmart
from ingest.forms import inbound_choices
from ingest.pipeline import Refused, enabled_format
from tests.shared import shared

# What a new partner format's module in ingest/formats/ declares (here: WaterSmart's invoice
# file read by the same reader under another name); registering it is one entry in FORMATS.
NEW = FormatSpec("watersmart.invoice.v2", "invoice", "watersmart", "WaterSmart Invoice File v2 (.csv)",
                 watersmart.INVOICE_FIELDS, watersmart.read_invoices, default_invoice_type_id=1)


def row(code):
    return FileFormat.objects.get(code=code)


def test_migrate_builds_one_row_per_declared_parser_and_writer(db):
    assert set(FileFormat.objects.filter(retired=False).values_list("code", flat=True)) == {*FORMATS, *WRITERS}
    for code, spec in FORMATS.items():
        fmt = row(code)
        assert (fmt.name, fmt.integration, fmt.direction, fmt.kind, fmt.default_invoice_type_id) == (
            spec.name, spec.partner, "inbound", spec.kind, spec.default_invoice_type_id), code
    assert (row("incode.invoice.include_dashes").extension, row("watersmart.invoice").extension) == ("xml", "csv")
    for code, writer in WRITERS.items():
        fmt = row(code)
        assert (fmt.name, fmt.direction, fmt.kind, fmt.naming_convention) == (
            writer.NAME, "outbound", writer.KIND, writer.NAMING), code
    assert row("watersmart.rejects").naming_convention == "ICRejects_YYYYMMDDHHMMSS.csv"


def test_a_new_inbound_format_is_one_module_plus_its_registration(demo, client_for, monkeypatch):
    monkeypatch.setitem(FORMATS, NEW.code, NEW)
    sync_catalogue()

    fmt = row(NEW.code)
    assert (fmt.name, fmt.integration, fmt.direction, fmt.kind, fmt.default_invoice_type_id, fmt.retired) == (
        "WaterSmart Invoice File v2 (.csv)", "watersmart", "inbound", "invoice", 1, False)
    html = client_for("auditor").get(f"/admin/billers/fileformat/{fmt.pk}/change/").content.decode()
    assert "<td>AccountNumber</td><td>" in html  # the parser's field table, read from ingest
    biller = Biller.objects.get(slug="demo-watersmart")
    enabled = BillerFileFormat(biller=biller, file_format=fmt, options={})
    enabled.full_clean()
    enabled.save()
    assert (NEW.code, f"{NEW.code}: {fmt.name}") in inbound_choices(biller)
    assert enabled_format(biller, NEW.code) == fmt
    sample = shared("samples", "watersmart_invoice.csv")
    expected = json.loads(shared("samples", "expected", "watersmart_invoice.watersmart.invoice.demo-watersmart.json")
                          .read_text())
    result = parse(NEW.code, lambda: sample.open("rb"), build_parse_config(biller, NEW.code))
    ok = [r.invoice for r in result.records() if r.status == "ok"]
    assert [invoice["InvoiceNumber"] for invoice in ok] == [
        r["invoice"]["InvoiceNumber"] for r in expected["records"] if r["status"] == "ok"]


def test_a_format_no_longer_declared_is_retired_not_deleted_and_offered_to_no_biller(demo, monkeypatch):
    monkeypatch.setitem(FORMATS, NEW.code, NEW)
    sync_catalogue()
    biller = Biller.objects.get(slug="demo-watersmart")
    used = BillerFileFormat.objects.create(biller=biller, file_format=row(NEW.code), options={})

    monkeypatch.delitem(FORMATS, NEW.code)
    sync_catalogue()

    assert row(NEW.code).retired
    assert BillerFileFormat.objects.filter(pk=used.pk).exists()
    assert NEW.code not in dict(inbound_choices(biller))
    with pytest.raises(Refused, match="not an enabled inbound format"):
        enabled_format(biller, NEW.code)
    with pytest.raises(ValidationError, match="retired: no parser or writer declares it"):
        BillerFileFormat.objects.get(pk=used.pk).full_clean()
    assert not row("watersmart.invoice").retired  # the other inbound formats stay offered

    monkeypatch.setitem(FORMATS, NEW.code, NEW)
    sync_catalogue()
    assert not row(NEW.code).retired
    assert NEW.code in dict(inbound_choices(biller))


def test_a_declaration_change_reaches_the_row_and_the_metadata_stays_the_managers(demo, monkeypatch):
    fmt = row("incode.invoice.include_dashes")
    assert (fmt.repository, fmt.transfer_frequency) == ("StratusFileProcessor", "Weekly/Monthly/Quarterly")
    assert set(fmt.modifications.values_list("jira_key", flat=True)) == {"ITG-2193", "ITG-3980"}
    fmt.transfer_frequency = "Monthly"
    fmt.save()
    renamed = dataclasses.replace(FORMATS[fmt.code], name="IF_InCode - renamed", default_invoice_type_id=43)
    monkeypatch.setitem(FORMATS, fmt.code, renamed)

    sync_catalogue()

    fmt.refresh_from_db()
    assert (fmt.name, fmt.default_invoice_type_id, fmt.transfer_frequency) == ("IF_InCode - renamed", 43, "Monthly")


def test_a_second_sync_changes_nothing_and_writes_no_history(demo):
    sync_catalogue()
    before = FileFormat.history.count()
    sync_catalogue()
    assert FileFormat.history.count() == before
