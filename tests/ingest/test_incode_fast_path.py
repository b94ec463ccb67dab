"""The Incode fast path (ingest.formats.compiled: the field tables compiled into functions,
plain detail elements read by a pattern) gives exactly the records the general path gives,
field by field and element by element with lxml: on the samples, the XML and naughty-string
corpora and hypothesis blocks, in every configuration; and it does decide the common block."""
import json
from decimal import Decimal
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.formats import ParseConfig, get_format
from ingest.formats import incode
from ingest.formats.bif import BifValue
from ingest.formats import markers
from ingest.formats.markers import plain_element, plain_elements
from ingest.formats.readers import WORK, read_blocks
from ingest.formats.spec import Run

from tests.shared import SHARED, shared
from .test_incode_invoice import BLOCK
from .test_xml_attacks import ATTACK_FOLDERS, wrap

CODES = ("incode.invoice.skip_landlord", "incode.invoice.include_dashes")
CONFIGS = (ParseConfig(), ParseConfig(use_billing_address=True, invoice_format_guid="G", biller_guid="B"),
           ParseConfig(bif=(BifValue("LateFeeDate", base="InvoiceDate", days=-3), BifValue("MinimumAmountDue", 5),
                            BifValue("AllowPartialPayments", True))),
           ParseConfig(bif=(), landlord_marker="Status=\"A\""))
SAMPLE_BLOCK = BLOCK.replace("</Bill_det>", "<BillCode><BillCodeDescription>WATER</BillCodeDescription>"
                                            "<Amount>0000045.67</Amount></BillCode>\n</Bill_det>\n"
                                            '<Usage Month="Jan" Qty="00010300"/>\n<Usage Month="02" Qty="1"/>\n'
                                            '<Meter Number="88001" Cur_read="10450" Prv_read="10200" Usage="250"/>\n'
                                            '<Tier Name="Tier 1" Units="200" Total="30.00"/>')


def read(code: str, text: str, config: ParseConfig, fast: bool):
    """(records as comparable tuples, summary, how many blocks the fast path decided)."""
    spec = get_format(code)
    run = Run(spec, config, [])
    decided = 0
    if fast:
        original = incode.fast_invoice_reader

        def counting(tables, run):
            read_fast = original(tables, run)

            def read_counted(block):
                nonlocal decided
                record = read_fast(block)
                decided += record is not None
                return record
            return read_counted
        incode.fast_invoice_reader = counting
    try:
        records = list(incode.read_invoices(spec, [text[:len(text) // 2], text[len(text) // 2:]], run,
                                            code.endswith("skip_landlord"), fast=fast))
    finally:
        if fast:
            incode.fast_invoice_reader = original
    described = [(r.line, r.last_line, r.status, json.dumps(r.to_json(), default=str),
                  [(e.field, e.message, e.line) for e in r.errors]) for r in records]
    return described, run.tally.counts, (run.tally.ok_count, run.tally.ok_total), decided


def check_same(text: str, codes=CODES, configs=CONFIGS) -> int:
    """Both paths give the same records and counts; returns the blocks the fast path decided."""
    decided = 0
    for code in codes:
        for config in configs:
            fast = read(code, text, config, fast=True)
            careful = read(code, text, config, fast=False)
            assert fast[:3] == careful[:3], (code, config)
            decided += fast[3]
    return decided


def test_the_fast_path_decides_the_common_blocks_and_gives_the_same_records():
    text = "<bills>\n" + SAMPLE_BLOCK + BLOCK.replace("62501", "62502") + SAMPLE_BLOCK.replace("62501", "62503")
    assert check_same(text) == 3 * len(CODES) * len(CONFIGS) - 3  # landlord_marker 'Status="A"' skips 3


def test_it_leaves_every_error_to_the_general_path():
    blocks = [BLOCK.replace('Due="0000262.11"', 'Due="12.3.4"'), BLOCK.replace('Pen="0000026.21"', ""),
              BLOCK.replace('Bill_dt="06/30/2021"', 'Bill_dt="06/31/2021"'), BLOCK.replace("Name=", "Nom="),
              SAMPLE_BLOCK.replace('Month="Jan"', 'Month="Janvier"'), SAMPLE_BLOCK.replace('Total="30.00"', 'Total="x"'),
              SAMPLE_BLOCK.replace("<Amount>0000045.67</Amount>", ""), BLOCK, BLOCK]
    text = "<bills>\n" + "".join(block.replace("62501", f"6250{min(n, 7)}") for n, block in enumerate(blocks))
    records = read(CODES[0], text, ParseConfig(), fast=True)[0]
    assert [status for _, _, status, _, _ in records] == ["error"] * 7 + ["ok", "error"]
    assert check_same(text) > 0


@pytest.mark.parametrize("sample", ["incode_invoice.xml"])
def test_the_samples_give_the_same_records_both_ways(sample):
    assert check_same(shared("samples", sample).read_text("utf-8")) > 0


def corpus_files():
    folders = (*ATTACK_FOLDERS, "greenbutton-espi-usage-xml")
    return [p for folder in folders for p in sorted((SHARED / "corpora" / folder).glob("**/*"))
            if p.suffix in (".xml", ".txt")]


def test_the_xml_corpora_give_the_same_records_both_ways():
    files = corpus_files() or [shared("corpora", ATTACK_FOLDERS[0], "absent")]
    for path in files:
        attack = path.read_text("utf-8", errors="replace")[:20_000]
        check_same(wrap(attack), configs=CONFIGS[:1])
        check_same("<bills>\n" + SAMPLE_BLOCK.replace("SMITH  JOHN", attack[:300].replace("</account", "")),
                   configs=CONFIGS[:1])


def test_naughty_strings_in_every_value_give_the_same_records_both_ways():
    strings = json.loads(shared("corpora", "big-list-of-naughty-strings", "blns.json").read_text("utf-8"))
    blocks = []
    for number, naughty in enumerate(s for s in strings if "\x00" not in s):
        block = SAMPLE_BLOCK.replace("62501", f"{number:05d}")
        target = ('SMITH  JOHN &amp; A', "1234 MAIN ST", "KANSAS CITY", "Tier 1", "00010300", "88001")[number % 6]
        blocks.append(block.replace(target, naughty, 1))
    decided = check_same("<bills>\n" + "".join(blocks), configs=CONFIGS[:2])
    assert decided > len(blocks) // 2


# Pieces of values and markup: quotes, entities, markers, whitespace of every kind, controls.
PIECES = st.sampled_from(['"', "'", "=", "&amp;", "&#65;", "&#0;", "&bogus;", "<", ">", "/>", " ", "  ", "\t", "\n",
                          "\r\n", "\xa0", "\u2028", "\x01", "\x7f", "é", "€", "x", "12", "0000262.11", "-", ".", ",",
                          "Name=", "Due=", "B_a2", "arrear", "Pen=", "<Usage", "<Meter", "xml", "a:b", "</Usage>",
                          "<BillCodeDescription>", "WATER", "</BillCodeDescription>", "<Amount>", "</Amount>"])
VALUE = st.lists(PIECES, max_size=6).map("".join)
ANCHORS = ("SMITH  JOHN &amp; A", "0000262.11", "06/30/2021", "1234 MAIN ST", "64101", "0000005.00-", "PO BOX 55",
           "00010300", "Jan", "88001", "Tier 1", "30.00", "0000045.67", "WATER", 'Qty="1"', "/>\n<Meter", "Bill_det>")


EDITS = st.lists(st.tuples(st.integers(0, len(SAMPLE_BLOCK)), st.integers(0, 3), VALUE), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(ANCHORS), VALUE), max_size=4), edits=EDITS,
       code=st.sampled_from(CODES), config=st.sampled_from(CONFIGS))
def test_hypothesis_blocks_give_the_same_records_both_ways(changes, edits, code, config):
    """Values replaced, and the markup cut anywhere: a few characters replaced by pieces."""
    block = SAMPLE_BLOCK
    for position, length, value in sorted(edits, reverse=True):
        block = block[:position] + value + block[position + length:]
    for anchor, value in changes:
        block = block.replace(anchor, value, 1)
    check_same("<bills>\n" + block + SAMPLE_BLOCK.replace("62501", "62599"), codes=(code,), configs=(config,))


SPACE = st.sampled_from(["", " ", "  ", "\t", "\n", "\r\n", "\xa0", "\x0b"])
NAME = st.sampled_from(["Month", "Qty", "Number", "Cur_read", "Prv_read", "Usage", "Name", "Units", "Total", "a:b",
                        "xmlns", "Xml_x", "_x", "x-y.z", "1a", "é"])
ATTRIBUTE = st.tuples(SPACE, NAME, SPACE, st.sampled_from(["=", ""]), SPACE, st.sampled_from(['"', "'"]),
                      st.lists(st.sampled_from(["Jan", "02", "1.5", "30.00", "x y", "&lt;", "&amp;", "&#65;", "&#0;",
                                                "<", ">", "=", "'", '"', "\t", "\n", "\r", "\x01", "\x85", "\u2028",
                                                "\ufffe", "é", "", "  "]), max_size=3).map("".join))
ELEMENT = st.tuples(st.sampled_from(["Usage", "Meter", "Tier", "Usages"]), st.lists(ATTRIBUTE, max_size=4), SPACE,
                    st.sampled_from(["/>", ">", "></Usage>", "", "/ >"]))


def element_text(element) -> str:
    tag, attributes, space, end = element
    return f"<{tag}" + "".join(f"{s1 or ' '}{name}{s2}{eq}{s3}{quote}{value}{quote}"
                               for s1, name, s2, eq, s3, quote, value in attributes) + space + end


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elements=st.lists(ELEMENT, min_size=1, max_size=5), between=SPACE)
def test_plain_elements_read_what_lxml_reads(elements, between):
    details = between.join(map(element_text, elements))
    block = BLOCK.replace("</account>", details + "\n</account>")
    found = plain_elements(block, ("Usage", "Meter", "Tier"))
    if found is not None:
        careful = incode.elements(block, ("Usage", "Meter", "Tier"))
        assert [(tag, attributes) for tag, _, attributes in careful.read] == found
    check_same("<bills>\n" + block, codes=CODES[:1], configs=CONFIGS[:1])


RAW_VALUES = ('="x"', '= "x"', "= 'x'", '=="x"', "=x", ' = " x  y " ', '="&amp;"', "=", "", '="', "='x\"", '=""',
              "= =x", '= "a" "b"', "=\t'1'\t", '="0000262.11-"', "=&#65;", '=" "', "='&lt;'", '="\x01"')


def test_every_raw_value_shape_gives_the_same_records_both_ways():
    """Each attribute of the block written in each shape (a begin marker may end before or
    after the '=')."""
    blocks = []
    for match in re.finditer(r'([A-Za-z_][\w ]*?)="[^"]*"', BLOCK.split("<Bill_det>")[0]):
        for raw in RAW_VALUES:
            blocks.append(BLOCK[:match.start()] + match[1] + raw + BLOCK[match.end():])
    text = "<bills>\n" + "".join(block.replace("62501", f"{n:05d}") for n, block in enumerate(blocks))
    assert check_same(text) > 0


ELEMENT_VALUES = ("Jan", "", " ", "  a  b ", "&lt;", "&amp;", "&#65;", "&#x41;", "&#0;", "&bogus;", "<", ">", "=", "'",
                  "\t", "\n", "\r", "\r\n", "\x01", "\x7f", "\x85", "\xa0", "\u2028", "\ufffe", "é", "€", "\U0001F600")


def test_each_plain_element_is_read_as_lxml_reads_it():
    shapes = []
    for value in ELEMENT_VALUES:
        for quote in "\"'":
            for space in (" ", "\n", "\t", "\r\n", "\xa0", "\x0b"):
                for name in ("Month", "a:b", "xmlns", "XMLa", "_x.y-z"):
                    shapes += [f"<Usage{space}{name}{space}={space}{quote}{value}{quote}{space}/>",
                               f'<Usage {name}={quote}{value}{quote} Qty="1"/>',
                               f'<Usage Qty="1" {name}={quote}{value}{quote}></Usage>']
    decided = 0
    for shape in shapes + ['<Usage Qty="1" Qty="2"/>', "<Usage/>", "<Usage />", '<Usage Month="1"/ >']:
        found = plain_elements(shape, ("Usage",))
        if found is not None:
            decided += 1
            assert [(tag, attributes) for tag, _, attributes in incode.elements(shape, ("Usage",)).read] == found, shape
    assert decided > 150


SHAPE_VALUES = st.lists(st.sampled_from(ELEMENT_VALUES + ("1", "10450", "x y", "'", "=", '"')), max_size=3).map("".join)


@settings(max_examples=300, deadline=None)
@given(first=st.lists(st.sampled_from(["1", "Jan", "a b", ""]), min_size=4, max_size=4),
       values=st.lists(SHAPE_VALUES, min_size=4, max_size=4), space=SPACE, tag=st.sampled_from(["Meter", "Usage"]))
def test_an_element_of_a_known_shape_is_read_as_the_pattern_and_lxml_read_it(first, values, space, tag):
    """`plain_element` reads a text whose shape it has seen without the pattern: the same
    answer as the pattern (`_patterned_element`, the reference) and as lxml, whatever the
    values (a quote in one changes the shape; a reference, '<', '=' or a control makes it
    not plain)."""
    tags = ("Usage", "Meter", "Tier")
    names = ("Number", "Cur_read", "Prv_read", "Usage")

    def text(of):
        return f"<{tag}" + "".join(f'{space or " "}{name}{space}={space}"{value}"' for name, value in zip(names, of)) + " />"
    learned = plain_element(text(first), tags)  # a plain one: its shape is now known
    assert learned == markers._patterned_element(text(first), tags)
    assert learned is None or learned == (tag, dict(zip(names, first)))
    shaped = text(values)
    found = plain_element(shaped, tags)
    assert found == markers._patterned_element(shaped, tags)
    assert plain_element(shaped, ("Tier",)) is None  # a known shape of another tag is no plain element of these
    if found is not None:
        assert [(t, attributes) for t, _, attributes in incode.elements(shaped, tags).read] == [found]


def test_an_element_of_a_known_shape_is_read_without_the_pattern(monkeypatch):
    tags = ("Usage", "Meter", "Tier")
    assert plain_element('<Meter Number="1" Cur_read="10450" Prv_read="10200" Usage="250"/>', tags)
    monkeypatch.setattr(markers, "_plain_pattern", None)  # any use of it fails
    assert plain_element('<Meter Number="2" Cur_read="10451" Prv_read="10201" Usage="é"/>', tags) == (
        "Meter", {"Number": "2", "Cur_read": "10451", "Prv_read": "10201", "Usage": "é"})
    with pytest.raises(TypeError):  # not plain by its values: the pattern decides
        plain_element('<Meter Number="&amp;" Cur_read="10451" Prv_read="10201" Usage="1"/>', tags)


def test_the_fast_path_counts_its_work_and_parses_nothing_with_lxml():
    text = "<bills>\n" + SAMPLE_BLOCK * 1
    WORK.chars = WORK.parses = 0
    assert read(CODES[0], text, ParseConfig(), fast=True)[3] == 1
    assert WORK.parses == 0 and len(text) <= WORK.chars <= 80 * len(text)
    [block] = read_blocks(text)
    assert plain_elements(block.text, ("Usage",)) == [("Usage", {"Month": "Jan", "Qty": "00010300"}),
                                                      ("Usage", {"Month": "02", "Qty": "1"})]


AMOUNTS = ("0000262.11", "262.11", "0.00", "-0.00", "0000000.00-", "(0.00)", "-262.11", "262.1", "$1,234.5", "",
           "0000262.110", "0")
DATES = ("06/30/2021", "6/30/2021", "2021-06-30", "06/30/21", "", "02/29/2021", "12/31/9999")


def test_values_and_texts_kept_across_blocks_give_the_same_records_both_ways():
    """The fast path keeps converted values, their rendered texts and bill-code amounts for
    the whole parse: blocks repeating, varying and zeroing amounts and dates (equal values
    written differently, zeros of both signs, bill codes with one amount, several or none)
    read as the general path reads each one."""
    blocks = []
    for n in range(3 * len(AMOUNTS) * len(DATES)):
        amount, other, date = AMOUNTS[n % len(AMOUNTS)], AMOUNTS[n // 3 % len(AMOUNTS)], DATES[n % len(DATES)]
        codes = "".join(f"<BillCode><BillCodeDescription>{name}</BillCodeDescription><Amount>{value}</Amount></BillCode>"
                        for name, value in (("WATER", amount), ("STREET LIGHTS", other), ("water ", other))[:n % 4])
        block = (SAMPLE_BLOCK.replace("62501", f"{n:05d}").replace('Due="0000262.11"', f'Due="{amount}"')
                 .replace('arrear="0000137.47"', f'arrear="{other}"').replace('Bill_dt="06/30/2021"', f'Bill_dt="{date}"')
                 .replace('Total="30.00"', f'Total="{other}"')
                 .replace("<BillCode><BillCodeDescription>WATER</BillCodeDescription><Amount>0000045.67</Amount>"
                          "</BillCode>", codes))
        blocks.append(block)
    configs = (*CONFIGS, ParseConfig(bif=(BifValue("MinimumAmountDue", Decimal("-0.00")), BifValue("PastDue", Decimal("-0.00")),
                                          BifValue("LateFeeDate", base="InvoiceDate", days=0))))
    assert check_same("<bills>\n" + "".join(blocks), configs=configs) > len(blocks)
