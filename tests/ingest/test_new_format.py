"""A new inbound format is one module in ingest/formats/ plus its registration in the
FORMATS table: no edit in billers/ (issue 16; ARCHITECTURE.md "Add a partner format").

The module below exists only in this test: written to a temporary folder, imported, its
FORMATS registered the way ingest/formats/__init__.py registers WaterSmart's and Incode's.
Then the catalogue has its row, a biller enables it, a file of it is uploaded, parsed,
previewed and loaded through the same admin pages as any other format."""
import importlib.util
from decimal import Decimal

import pytest

from billers.catalog import sync_catalogue
from billers.models import Biller, BillerFileFormat, FileFormat
from ingest import formats
from ledger.models import Account
from tests.support.loadkit import approve, change_url, demo, load_file, login, upload  # noqa: F401

CODE = "watersmart.balance.pipe"
MODULE = '''
"""WaterSmart balance file, pipe-separated: AccountNumber|AdjustmentAmount|AdjustmentTypeID."""
from ingest.formats.converters import ADJUSTMENT_TYPE, AMOUNT, TEXT
from ingest.formats.icfile import ADJUSTMENT_HEAD, ADJUSTMENT_HEADER
from ingest.formats.readers import read_lines
from ingest.formats.spec import Draft, Field, FormatSpec, Position

FIELDS = (
    *ADJUSTMENT_HEADER,
    *ADJUSTMENT_HEAD,
    Field("AccountNumber", 313, "AR", Position(1), TEXT, required=True),
    Field("AdjustmentAmount", 314, "AR", Position(2), AMOUNT, required=True),
    Field("AdjustmentTypeID", 316, "AR", Position(3), ADJUSTMENT_TYPE, required=True),
)


def read(spec, chunks, run):
    table = spec.table("AR", run.config)
    for line, (text, _end, _cut) in enumerate(read_lines(chunks), start=1):
        if text.strip():
            draft = Draft(line, None, line)
            draft.fill_raws(table, table.pick(text.split("|")), run)
            run.note_duplicate(draft, "AccountNumber")
            yield run.finish(draft, "AdjustmentAmount", adjustment=draft.render(table, run))


FORMATS = (FormatSpec("%s", "adjustment", "watersmart", "WaterSmart Balance File (pipe-separated)", FIELDS, read,
                      extension="txt", delimiter="pipe"),)
''' % CODE


@pytest.fixture
def new_format(tmp_path, monkeypatch):
    path = tmp_path / "watersmart_pipe.py"
    path.write_text(MODULE)
    spec = importlib.util.spec_from_file_location("watersmart_pipe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for declared in module.FORMATS:  # the registration: one entry in ingest.formats.FORMATS
        monkeypatch.setitem(formats.FORMATS, declared.code, declared)
    return module


def test_a_new_format_module_gets_its_catalogue_row_is_enabled_and_loads(demo, new_format, tmp_path):  # noqa: F811
    assert not FileFormat.objects.filter(code=CODE).exists()
    sync_catalogue()
    row = FileFormat.objects.get(code=CODE)
    assert (row.name, row.direction, row.kind, row.integration, row.extension, row.delimiter, row.retired) == (
        "WaterSmart Balance File (pipe-separated)", "inbound", "adjustment", "watersmart", "txt", "pipe", False)
    field_page = login("im").get(f"/admin/billers/fileformat/{row.pk}/change/").content.decode()
    assert "AdjustmentAmount" in field_page  # the field mapping is read from the module's own table

    biller = Biller.objects.get(slug="demo-watersmart")
    enabled = BillerFileFormat(biller=biller, file_format=row, enabled=True)
    enabled.full_clean()
    enabled.save()

    load_file("demo-watersmart", "watersmart.invoice", "watersmart_invoice.csv")  # the accounts exist
    path = tmp_path / "balances.txt"
    path.write_text("100234|75.50|2\n100235|12.00|1\nnot-an-amount|x|2\n")
    before = Account.objects.get(biller=biller, account_number="100235").current_balance
    response, load = upload(login("support"), "demo-watersmart", CODE, path)
    assert response.status_code == 302, response.content[:2000]
    load.refresh_from_db()
    assert (load.status, load.records_count, load.ok_count, load.error_count) == ("parsed", 3, 2, 1)
    assert "AdjustmentAmount" in load.error_fields and load.error_fields["AdjustmentAmount"]["examples"][0]["line"] == 3
    preview = login("support").get(change_url(load))
    assert preview.status_code == 200 and "100234" in preview.content.decode()

    approve(login("support2"), load)
    assert load.status == "loaded", load.failure
    accounts = dict(Account.objects.filter(biller=biller, account_number__in=["100234", "100235"])
                    .values_list("account_number", "current_balance"))
    assert accounts == {"100234": Decimal("75.50"), "100235": before + Decimal("12.00")}


def test_the_catalogue_retires_the_format_when_its_module_is_gone(demo, new_format, monkeypatch):  # noqa: F811
    sync_catalogue()
    monkeypatch.delitem(formats.FORMATS, CODE)
    sync_catalogue()
    assert FileFormat.objects.get(code=CODE).retired is True
