"""XML attack files, read as Incode files or wrapped into a block: no entity is expanded,
no local file or URL is read, nothing hangs."""
import time

import pytest

from ingest.formats import FileRefused, ParseConfig

from tests.shared import SHARED
from tests.support.parsing import parse_text

ATTACK_FOLDERS = ("xml-attacks-defusedxml", "xml-attacks-payloadsallthethings")


def attack_files():
    files = [p for folder in ATTACK_FOLDERS for p in sorted((SHARED / "corpora" / folder).glob("*"))
             if p.suffix in (".xml", ".txt")]
    return files or [pytest.param(None, marks=pytest.mark.skip(reason=f"{SHARED}/corpora is absent"))]


def wrap(attack: str) -> str:
    """The attack before and inside a block, and its entities used where lxml parses."""
    return (attack + "\n<account>\n" + attack +
            '\n<Acct_info Account No="1" Name="&a4;&c;&file;&xxe;&ee;" Status="A"/>\n'
            '<Bill_info Due_dt="07/15/2021" Bill_dt="06/30/2021" Drft_dt="" Due="1.00" Pen="0"/>\n'
            '<Usage Month="&a4;" Qty="&file;"/><Meter Number="&xxe;"/><Tier Name="&ee;"/>\n</account>\n')


@pytest.mark.parametrize("path", attack_files(), ids=lambda p: getattr(p, "name", "absent"))
@pytest.mark.parametrize("code", ["incode.invoice.skip_landlord", "incode.invoice.include_dashes"])
def test_it_neither_expands_entities_nor_reads_files(path, code):
    attack = path.read_text("utf-8", errors="replace")
    started = time.monotonic()
    try:
        parse_text(code, attack)
    except FileRefused as refused:
        assert str(refused) == "no <account> blocks found"
    result, records = parse_text(code, wrap(attack), ParseConfig())
    assert time.monotonic() - started < 10
    assert len(records) == 1
    record = records[-1]
    assert record.customer["CustomerName"] == "&a4;&c;&file;&xxe;&ee;"
    dumped = str([r.to_json() for r in records])
    assert "root:" not in dumped and "dosdos" not in dumped and "1234567890123" not in dumped
    if code.endswith("skip_landlord"):
        assert {e.field for e in record.errors} == {"Description"}
        assert all(d.get("CustomField1") is None for d in record.details)
