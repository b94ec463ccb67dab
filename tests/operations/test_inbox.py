"""The watched inbox (issue 15): files dropped in a biller's folder become loads uploaded by the
system, or are rejected; each is moved with a note and recorded once."""
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from billers.models import Biller
from ingest.models import Load, LoadEvent, LoadStatus
from operations import inbox
from operations.models import InboxFile, InboxOutcome
from tests.shared import shared
from tests.support.inbox import drop, drop_invoices, listing, scan_twice

WS = "demo-watersmart"
INCODE = "demo-incode"


def test_a_dropped_file_becomes_a_load_uploaded_by_the_system_and_moves_to_processed(demo, root):
    content = Path(shared("samples", "watersmart_invoice.csv")).read_bytes()
    drop(root, WS, "WS_Invoice_20250309.csv", content)

    assert inbox.scan(root) == []                       # first sighting: not taken yet
    assert listing(root, WS) == ["WS_Invoice_20250309.csv"]
    taken = inbox.scan(root)

    assert [(f.name, f.outcome) for f in taken] == [("WS_Invoice_20250309.csv", InboxOutcome.LOADED)]
    record = InboxFile.objects.get()
    load = record.load
    assert load.biller.slug == WS and load.file_format.code == "watersmart.invoice"
    assert load.uploaded_by is None and load.original_name == "WS_Invoice_20250309.csv"
    assert load.size == len(content) and record.sha256 == load.sha256 and record.size == len(content)
    assert load.status == LoadStatus.PARSED and load.ok_count == 4   # parsed by the (inline) worker
    uploaded = LoadEvent.objects.filter(load=load, to_status=LoadStatus.UPLOADED).get()
    assert uploaded.user is None
    assert uploaded.note.startswith(f"received by the system from the watched inbox ({WS}/WS_Invoice_20250309.csv)")
    assert listing(root, WS) == ["processed/WS_Invoice_20250309.csv", "processed/WS_Invoice_20250309.csv.note.txt"]
    assert (root / WS / "processed" / "WS_Invoice_20250309.csv").read_bytes() == content
    note = (root / WS / "processed" / "WS_Invoice_20250309.csv.note.txt").read_text()
    assert f"load {load.pk} created (watersmart.invoice)" in note and load.sha256 in note
    assert record.moved_to == f"{WS}/processed/WS_Invoice_20250309.csv"
    assert inbox.scan(root) == []                       # nothing left to take


def test_half_written_and_growing_files_are_left_for_a_later_scan(demo, root):
    part = drop(root, WS, "WS_Invoice_1.csv.part", b"AccountNumber,")
    hidden = drop(root, WS, ".WS_Invoice_2.csv", b"AccountNumber,")
    tmp = drop(root, WS, "WS_Invoice_3.csv.tmp", b"AccountNumber,")
    growing = drop_invoices(root, WS, "WS_Invoice_4.csv", 700_000, 3)
    assert inbox.scan(root) == []
    with open(growing, "a", encoding="utf-8") as out:     # still being written between the scans
        out.write('700003,"Customer",1 Main St,,Fresno,CA,93701,01/15/2025,02/05/2025,1.00,0.00,800,1,0,0,\r\n')
    assert inbox.scan(root) == []
    assert Load.objects.count() == 0
    for path in (part, hidden, tmp):
        assert path.exists()

    part.rename(root / WS / "WS_Invoice_1.csv")          # rename-in: the upload is finished
    os.utime(root / WS / "WS_Invoice_1.csv", ns=(1, 1))
    taken = scan_twice(root)
    assert sorted(f.name for f in taken) == ["WS_Invoice_1.csv", "WS_Invoice_4.csv"]
    assert Load.objects.get(original_name="WS_Invoice_4.csv").records_count == 4   # the whole file
    assert hidden.exists() and tmp.exists()


def test_the_same_file_dropped_twice_is_loaded_once(demo, root):
    drop_invoices(root, WS, "WS_Invoice_a.csv", 710_000, 5)
    scan_twice(root)
    drop_invoices(root, WS, "WS_Invoice_b.csv", 710_000, 5)   # same bytes, another name
    taken = scan_twice(root)

    assert Load.objects.count() == 1
    assert [(f.name, f.outcome) for f in taken] == [("WS_Invoice_b.csv", InboxOutcome.DUPLICATE)]
    first = InboxFile.objects.get(name="WS_Invoice_a.csv")
    assert taken[0].note == (f"the same file (SHA-256) was already received as WS_Invoice_a.csv "
                             f"(load {first.load_id}); not loaded again")
    assert listing(root, WS) == ["processed/WS_Invoice_a.csv", "processed/WS_Invoice_a.csv.note.txt",
                                 "rejected/WS_Invoice_b.csv", "rejected/WS_Invoice_b.csv.note.txt"]

    drop_invoices(root, WS, "WS_Invoice_a.csv", 710_000, 5)   # the same name again: kept under a new name
    scan_twice(root)
    assert Load.objects.count() == 1
    assert "rejected/WS_Invoice_a.csv" in listing(root, WS) and "processed/WS_Invoice_a.csv" in listing(root, WS)


def test_a_file_already_uploaded_by_hand_is_not_loaded_again_from_the_inbox(demo, root):
    from tests.support.loadkit import login, upload

    path = drop_invoices(root / "elsewhere", "x", "WS_Invoice_1.csv", 720_000, 3)
    _, load = upload(login("support"), WS, "watersmart.invoice", path)
    drop(root, WS, "WS_Invoice_1.csv", path.read_bytes())
    [record] = scan_twice(root)
    assert record.outcome == InboxOutcome.DUPLICATE and f"already load {load.pk}" in record.note
    assert Load.objects.count() == 1


@pytest.mark.parametrize("name, content, why", [
    ("payments.csv", b"a,b\r\n", "the name matches no naming convention of demo-watersmart's enabled inbound "
                                 "formats (watersmart.adjustment: *Adjustment*.csv|*Balance*.csv; "
                                 "watersmart.invoice: *Invoice*.csv)"),
    ("Invoice_1.csv", b'<?xml version="1.0"?>\n<account>\n', "the content matches none of the formats its name "
                                                               "matches (watersmart.invoice: this looks like an "
                                                               "Incode XML invoice file"),
])
def test_a_file_matching_no_format_is_rejected_with_a_note(demo, root, name, content, why):
    drop(root, WS, name, content)
    [record] = scan_twice(root)
    assert record.outcome == InboxOutcome.REJECTED and record.load is None
    assert why in record.note
    assert (root / WS / "rejected" / name).read_bytes() == content
    assert why in (root / WS / "rejected" / f"{name}.note.txt").read_text()
    assert Load.objects.count() == 0


def test_content_decides_between_the_formats_a_name_matches(demo, root):
    drop(root, WS, "Invoice_Balance.csv", b"100234,Smith,2.00,1,0.00\r\n")   # both names; an adjustment's columns
    [record] = scan_twice(root)
    assert record.outcome == InboxOutcome.LOADED and record.file_format.code == "watersmart.adjustment"


def test_a_name_and_content_matching_two_formats_is_rejected_as_ambiguous(demo, root):
    biller = Biller.objects.get(slug=INCODE)
    row = biller.file_formats.get(file_format__code="incode.invoice.include_dashes")
    row.file_format.naming_convention = "UB_Bills_*.xml"   # now overlaps skip_landlord's convention
    row.file_format.save()
    drop(root, INCODE, "UB_Bills_20250309.xml", Path(shared("samples", "incode_invoice.xml")).read_bytes())
    [record] = scan_twice(root)
    assert record.outcome == InboxOutcome.REJECTED
    assert record.note.startswith("ambiguous: the name and content match incode.invoice.include_dashes and "
                                  "incode.invoice.skip_landlord")


def test_a_billers_own_naming_replaces_the_formats_convention(demo, root):
    biller = Biller.objects.get(slug=WS)
    biller.file_formats.filter(file_format__code="watersmart.invoice").update(inbox_naming="FRESNO_YYYYMMDD.csv")
    drop_invoices(root, WS, "FRESNO_20250309.csv", 770_000, 2)
    drop_invoices(root, WS, "WS_Invoice_20250309.csv", 780_000, 2)
    taken = {f.name: f for f in scan_twice(root)}
    assert taken["FRESNO_20250309.csv"].outcome == InboxOutcome.LOADED
    assert taken["WS_Invoice_20250309.csv"].outcome == InboxOutcome.REJECTED
    assert "watersmart.invoice: FRESNO_YYYYMMDD.csv" in taken["WS_Invoice_20250309.csv"].note


def test_an_incode_file_is_matched_by_its_convention(demo, root):
    drop(root, INCODE, "UB_Bills_Dashes_20250309.xml", Path(shared("samples", "incode_invoice.xml")).read_bytes())
    [record] = scan_twice(root)
    assert record.outcome == InboxOutcome.LOADED and record.file_format.code == "incode.invoice.include_dashes"
    assert record.load.status == LoadStatus.PARSED and record.load.ok_count > 0


def test_an_oversized_file_is_rejected_and_kept(demo, root, settings):
    settings.MAX_UPLOAD_MB = 1
    path = drop_invoices(root, WS, "WS_Invoice_big.csv", 730_000, 20_000)
    size = path.stat().st_size
    assert size > 1024 * 1024
    [record] = scan_twice(root)
    assert record.outcome == InboxOutcome.REJECTED and record.sha256 == ""
    assert record.note == f"the file is {size / 1024 / 1024:.1f} MB; the limit is 1 MB (MAX_UPLOAD_MB)"
    assert (root / WS / "rejected" / "WS_Invoice_big.csv").stat().st_size == size
    assert Load.objects.count() == 0


def test_folders_of_inactive_billers_and_unknown_folders_are_left_alone(demo, root):
    Biller.objects.filter(slug=WS).update(active=False)
    path = drop_invoices(root, WS, "WS_Invoice_1.csv", 740_000, 2)
    other = drop(root, "no-such-biller", "WS_Invoice_1.csv", path.read_bytes())
    assert scan_twice(root) == []
    assert path.exists() and other.exists() and Load.objects.count() == 0


def test_a_missing_inbox_root_is_scanned_as_empty(demo, tmp_path):
    assert inbox.scan(tmp_path / "absent") == []
    assert not (tmp_path / "absent").exists()


def test_the_command_scans_and_prints_each_file(demo, root, capsys):
    drop_invoices(root, WS, "WS_Invoice_1.csv", 750_000, 2)
    call_command("scan_inbox")
    assert capsys.readouterr().out == ""
    call_command("scan_inbox")
    load = Load.objects.get()
    assert capsys.readouterr().out == (f"{WS}/WS_Invoice_1.csv: loaded: load {load.pk} created "
                                       "(watersmart.invoice); its parse is queued\n")


def test_a_file_that_cannot_be_moved_stays_and_nothing_is_recorded(demo, root):
    drop_invoices(root, WS, "WS_Invoice_1.csv", 760_000, 2)
    (root / WS / "processed").symlink_to(root / "nowhere")   # not a folder: the move fails
    assert scan_twice(root) == []
    assert (root / WS / "WS_Invoice_1.csv").exists()
    assert InboxFile.objects.count() == 0 and Load.objects.count() == 0
    (root / WS / "processed").unlink()
    [record] = inbox.scan(root)                    # the next scan takes it
    assert record.outcome == InboxOutcome.LOADED and Load.objects.count() == 1
