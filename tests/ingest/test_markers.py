"""Marker extraction, value cleaning, bill codes and detail elements (FORMATS.md 4)."""
import pytest
from hypothesis import given, settings, strategies as st

from ingest.formats.converters import ConversionError
from ingest.formats.markers import (MAX_RETRIES, bill_code_amounts, bill_codes, clean_value, elements, extract,
                                    unescape)
from ingest.formats.readers import WORK

BLOCK = '<Bill_info Due_dt="07/15/2021" Bill_dt=20210630 Drft_dt="" Due= 0000262.11 Pen="1"/>'


@pytest.mark.parametrize("begin, end, expected", [
    ("Bill_dt=", "Drft_dt=", "20210630"), ("Due_dt=", "Bill_dt=", "07/15/2021"), ("Drft_dt=", "Due=", ""),
    ("Due=", "Pen=", "0000262.11"), ("Due_dt", "Bill_dt=", "07/15/2021"),
])
def test_it_extracts_the_text_between_markers(begin, end, expected):
    assert extract(BLOCK, begin, end) == expected


def test_it_treats_an_absent_begin_marker_as_an_absent_field():
    assert extract(BLOCK, "Pen_dt=", "CutOff_dt=") is None


def test_it_is_case_sensitive():
    assert extract(BLOCK, "bill_dt=", "Drft_dt=") is None


def test_it_names_both_markers_when_the_end_is_missing():
    with pytest.raises(ConversionError, match=r"^end marker 'CutOff_dt=' not found after 'Bill_dt='$"):
        extract(BLOCK, "Bill_dt=", "CutOff_dt=")


@pytest.mark.parametrize("raw, expected", [
    (' ="06/30/2021" ', "06/30/2021"), ("= ' x ' ", "x"), ("==1", "=1"), ('"a"b"', 'a"b'), ('"', '"'),
    ("JONES &amp; TOM &lt;&gt;&quot;&apos;", "JONES & TOM <>\"'"), ("&#65;&#x42;&#X43;", "ABC"),
    ("&xxe; &#0; &#xD800; &#99999999;", "&xxe; &#0; &#xD800; &#99999999;"), ("&amp;amp;", "&amp;"),
    ("'mixed\"", "'mixed\""),
])
def test_it_cleans_raw_values(raw, expected):
    assert clean_value(raw) == expected


def cleaned_step_by_step(raw: str) -> str:
    """FORMATS.md 4's cleaning, each step in turn (`clean_value` shortens the common cases)."""
    value = raw.strip()
    value = value[1:].strip() if value.startswith("=") else value
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return unescape(value)


@settings(max_examples=1000, deadline=None)
@given(raw=st.lists(st.sampled_from(['"', "'", "=", " ", "\t", "\n", "\xa0", "&amp;", "&#65;", "&x;", "x", "é", ""]),
                    max_size=7).map("".join))
def test_hypothesis_clean_value_gives_the_steps_result(raw):
    assert clean_value(raw) == cleaned_step_by_step(raw)


def test_it_matches_bill_codes_exactly_and_sums_them():
    block = ("<BillCodeDescription>KC WATER - RENT</BillCodeDescription><Amount>0000100.00</Amount>"
             "<BillCodeDescription> water </BillCodeDescription><Amount>20.00</Amount>"
             "<BillCodeDescription>WATER</BillCodeDescription><x/><Amount>17.47</Amount>"
             "<BillCodeDescription>STREET LIGHTS</BillCodeDescription>"
             "<BillCodeDescription>BILLING CHARGE</BillCodeDescription><Amount>1.50</Amount>")
    codes = bill_codes(block)
    assert bill_code_amounts(codes, "WATER") == ["20.00", "17.47"]
    assert bill_code_amounts(codes, "KC WATER - RENT") == ["0000100.00"]
    assert bill_code_amounts(codes, "SERVICE/WATER BASE") is None
    with pytest.raises(ConversionError, match="no <Amount> after <BillCodeDescription>STREET LIGHTS"):
        bill_code_amounts(codes, "STREET LIGHTS")
    assert bill_code_amounts(codes, "billing charge") == ["1.50"]


def test_it_reads_detail_elements_in_block_order():
    block = ('<Usage Month="Jan" Qty="1"/><Meter Number="9"/>\n<Usage Month="02" Qty="2" ></Usage>'
             '<Usages x="1"/><Tier Name="T &amp; 1" Total="1.00"/>')
    found = elements(block, ("Usage", "Meter", "Tier")).read
    assert [(tag, attrs) for tag, _, attrs in found] == [
        ("Usage", {"Month": "Jan", "Qty": "1"}), ("Meter", {"Number": "9"}),
        ("Usage", {"Month": "02", "Qty": "2"}), ("Tier", {"Name": "T & 1", "Total": "1.00"})]


@pytest.mark.parametrize("snippet", ['<Usage Month="Jan"', '<Usage Month=Jan/>', '<Usage M="&xxe;"/>',
                                     '<Usage M="a\x01"/>', '<Usage M="1"></Usage'])
def test_it_reports_a_detail_element_that_is_not_well_formed(snippet):
    [(tag, _, message)] = elements(snippet, ("Usage",)).read
    assert isinstance(message, str) and ("not closed" in message or "not a well-formed element" in message)


def test_it_gives_lxml_a_few_tries_per_block_then_reports_the_elements_not_read():
    block = '<Usage a:b="1"/>' * (MAX_RETRIES + 1) + '<Usage Month="Jan"/>'
    WORK.parses = 0
    found = elements(block, ("Usage",)).read
    assert WORK.parses == MAX_RETRIES
    assert all("Namespace prefix a for b on Usage is not defined" in message for _, _, message in found[:MAX_RETRIES])
    assert [message for _, _, message in found[MAX_RETRIES:]] == [
        "'<Usage a:b=\"1\"/>' was not read: the block's detail elements are not well-formed",
        "'<Usage Month=\"Jan\"/>' was not read: the block's detail elements are not well-formed"]
