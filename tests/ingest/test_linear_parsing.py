"""Linear, bounded Incode parsing (issue 10 item 5): each block is scanned once, detail
elements are read by one lxml parse per block, and a record keeps at most `MAX_ERRORS`
errors and `MAX_DETAILS` detail elements. The work is counted (characters examined by the
scans, lxml parses), never timed."""
from hypothesis import given, settings, strategies as st

from ingest.formats.markers import MAX_DETAILS, MAX_RETRIES
from ingest.formats.readers import WORK
from ingest.formats.spec import MAX_ERRORS
from tests.support.accounting import check_block_accounting

from tests.support.loadkit import change_url, demo, login, upload  # noqa: F401

from tests.support.parsing import parse_text
from .test_incode_invoice import BLOCK

CODE = "incode.invoice.skip_landlord"


def parse_counting(text: str, code: str = CODE):
    """(summary, records, characters examined, lxml parses) of one parse of `text`."""
    WORK.chars = WORK.parses = 0
    result, records = parse_text(code, text)
    check_block_accounting(text, result.summary, records)
    return result.summary, records, WORK.chars, WORK.parses


def test_a_block_of_thousands_of_unclosed_usage_elements_is_one_bounded_error_record():
    count = 5_000  # issue 10 item 5 had 52,105 of them in a 990 KB file: 52,110 errors, 78 s
    text = "<account>\n" + '<Usage Month="Jan">\n' * count + "</account>\n"
    summary, [record], chars, parses = parse_counting(text)
    assert record.status == "error" and (record.line, record.last_line) == (1, count + 2)
    assert len(record.errors) == MAX_ERRORS + 1
    assert record.errors[-1].message == f"and {MAX_DETAILS + 6 - MAX_ERRORS} more errors"
    assert f"{count} detail elements (<Usage>, <Meter>, <Tier>): at most {MAX_DETAILS} are read per invoice; " \
           f"the {count - MAX_DETAILS} from line {MAX_DETAILS + 2} on are not read" in [e.message for e in record.errors]
    assert "<Usage> on line 2: '<Usage Month=\"Jan\">\\n' is not closed" in [e.message for e in record.errors]
    assert len(record.details) == 1 + MAX_DETAILS
    assert chars < 60 * len(text) and parses == 0


def test_an_invoice_with_more_detail_elements_than_read_is_an_error_never_silently_cut():
    usage = "".join(f'<Usage Month="{n % 12 + 1}" Qty="{n}"/>\n' for n in range(MAX_DETAILS + 5))
    summary, [record], chars, parses = parse_counting(BLOCK.replace("</account>", usage + "</account>"))
    assert record.status == "error" and parses == 1
    assert [e.message for e in record.errors] == [
        f"{MAX_DETAILS + 5} detail elements (<Usage>, <Meter>, <Tier>): at most {MAX_DETAILS} are read per "
        f"invoice; the 5 from line {MAX_DETAILS + 7} on are not read"]
    assert [d["CustomField2"] for d in record.details[1:]] == [str(n) for n in range(MAX_DETAILS)]


def test_one_lxml_parse_reads_every_detail_element_of_a_block():
    usage = "".join(f'<Usage Month="Jan" Qty="{n}&amp;"/><Meter Number="{n}"/>\n' for n in range(40))
    summary, [record], chars, parses = parse_counting(BLOCK.replace("</account>", usage + "</account>"))
    assert record.status == "ok" and parses == 1 and len(record.details) == 81
    assert record.details[1]["CustomField2"] == "0&"


def test_plain_detail_elements_are_read_by_a_pattern_without_lxml():
    usage = "".join(f'<Usage Month="Jan" Qty="{n}"/><Meter Number="{n}"/>\n' for n in range(40))
    summary, [record], chars, parses = parse_counting(BLOCK.replace("</account>", usage + "</account>"))
    assert record.status == "ok" and parses == 0 and len(record.details) == 81


def test_an_element_only_lxml_refuses_is_reported_and_the_others_read_by_a_second_parse():
    usage = '<Usage Month="Jan" Qty="1"/>\n<Usage Month="Feb" a:b="2"/>\n<Usage Month="Mar" Qty="3"/>\n'
    summary, [record], chars, parses = parse_counting(BLOCK.replace("</account>", usage + "</account>"))
    assert [e.message for e in record.errors] == [
        "<Usage> on line 8: '<Usage Month=\"Feb\" a:b=\"2\"/>' is not a well-formed element "
        "(Namespace prefix a for b on Usage is not defined)"]
    assert [d.get("CustomField2") for d in record.details] == [None, "1", None, "3"] and parses == 2


def test_a_malformed_element_is_reported_and_the_others_still_read():
    usage = '<Usage Month="Jan" Qty="1"/>\n<Usage Month="Feb" Qty="&#0;"/>\n<Usage Month="Mar" Qty="3"/>\n'
    summary, [record], chars, parses = parse_counting(BLOCK.replace("</account>", usage + "</account>"))
    assert [e.message for e in record.errors] == [
        "<Usage> on line 8: '<Usage Month=\"Feb\" Qty=\"&#0;\"/>' is not a well-formed element"]
    assert [d.get("CustomField2") for d in record.details] == [None, "1", None, "3"]


FRAGMENTS = st.sampled_from([
    '<Usage Month="Jan">', '<Usage Month="Jan" Qty="1"/>', '<Meter Number="1"', '<Tier Name="a" Total="x"/>',
    "</Usage>", "<BillCodeDescription>WATER", "</BillCodeDescription>", "<Amount>1", "</Amount>", "Name=",
    "Bill_dt=", "Due=", "Account No=", '"', "'", "&amp;", "&#0;", "\n", "\r\n", "\r", "<account>",
    "</account>", "x", '<Usage a="1" a="2"/>', "<Usage", ">", "/>", 'Landlord="Y"'])


@settings(max_examples=60, deadline=None)
@given(fragments=st.lists(FRAGMENTS, min_size=1, max_size=8))
def test_the_work_grows_linearly_with_a_pathological_block(fragments):
    unit = "".join(fragments)
    work = {}
    for copies in (25, 100, 400):
        text = "<account>\n" + unit * copies + "\n</account>\n"
        summary, records, chars, parses = parse_counting(text)
        assert chars <= 80 * len(text) + 10_000
        assert parses <= MAX_RETRIES * len(records)
        for record in records:
            assert len(record.errors) <= MAX_ERRORS + 1
            assert len(record.details) <= MAX_DETAILS + 1
        work[copies] = chars
    assert work[400] <= 4.5 * work[100] + 10_000 and work[100] <= 4.5 * work[25] + 10_000


def test_the_preview_of_the_hostile_block_stays_small(demo, tmp_path):
    path = tmp_path / "hostile.xml"
    path.write_text("<account>\n" + '<Usage Month="Jan">\n' * 40_000 + "</account>\n")  # 800 KB
    support = login("support")
    response, load = upload(support, "demo-incode", CODE, path)
    load.refresh_from_db()
    assert (load.status, load.error_count, load.ok_count) == ("parsed", 1, 0)
    html = support.get(change_url(load)).content.decode()
    assert "and 86 more errors" in html and "40000 detail elements" in html
    assert len(html) < 300_000  # issue 10: 9.4 MB of HTML for one record
