"""The marker values of an Incode block read by its shape (ingest.formats.shapes) are the raw
values the searches read (`markers.extract` before `clean_value`), or the shape does not
decide: for blocks of a known skeleton whose values hold anything (markers, their
characters, quotes that change the skeleton), and for whole parses against the general path."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.formats import incode
from ingest.formats.markers import clean_value
from ingest.formats.shapes import MAX_LEARNED, MAX_SHAPES, Shapes, bare_value, joined
from ingest.formats.spec import Markers

from .test_incode_fast_path import CODES, CONFIGS, SAMPLE_BLOCK, check_same

SOURCES = [list(dict.fromkeys(f.source for f in fields if isinstance(f.source, Markers)))
           for fields in (incode.SKIP_LANDLORD_FIELDS, incode.INCLUDE_DASHES_FIELDS)]
# The values of SAMPLE_BLOCK's header, each replaced below.
ANCHORS = ("10-1002-62501", "SMITH  JOHN &amp; A", "07/15/2021", "06/30/2021", "0000262.11", "0000026.21",
           "0000250.00", "0000005.00-", "0000001.00", "0000137.47", "1234 MAIN ST", "PO BOX 55", "SUITE 2",
           "KANSAS CITY", "MO", "64101")
PIECES = st.sampled_from(["x", "12", " ", "\t", "\n", "é", "&amp;", "&#65;", "=", "<", ">", "_", "/", "'", '"', "a",
                          "arrear", "arrea", "rear", "Name", "Name=", "Due=", "B_a2", "B_a", "T_pens", "Pen_dt",
                          "Svc_pr_read_date=", "Svc_cr_read_date", "Svc_", "Prorated=", "/><Bill_det", "Status=",
                          "<Address_info Ssa=", "St_no=", "Account No=", "Drft_dt=", "Age_1="])
VALUE = st.lists(PIECES, max_size=5).map("".join)


def searched(block: str, sources: list) -> tuple | str:
    """The values as the searches read them, cleaned (`clean_value`); "error" when an end
    marker is missing."""
    raws = []
    for source in sources:
        begin = block.find(source.begin)
        if begin < 0:
            raws.append(None)
            continue
        start = begin + len(source.begin)
        end = block.find(source.end, start)
        if end < 0:
            return "error"
        raws.append(clean_value(block[start:end]))
    return tuple(raws)


LATER = ("<BillCodeDescription>", "<Usage", "<Meter", "<Tier")


class Shaped(Shapes):
    """`Shapes` whose `read` also checks where it says the searches of `LATER` may start,
    and gives the values cleaned: by `clean_value` for raw texts, by `bare_value` for bare
    values (then each one is the text between two double quotes of the block)."""

    def read(self, block: str) -> tuple | None:
        found = super().read(block)
        if found is None:
            return None
        *raws, after, bare = found
        assert 0 <= after <= len(block) and not any(text in block[:after] for text in LATER)
        if bare:
            assert all(raw is None or f'"{raw}"' in block and '"' not in raw for raw in raws)
            return tuple(None if raw is None else bare_value(raw, clean_value) for raw in raws)
        return tuple(None if raw is None else clean_value(raw) for raw in raws)


def learned(block: str, sources: list) -> Shapes:
    shapes = Shaped(sources, LATER)
    shapes.learn(block)
    return shapes


def test_a_known_shape_reads_the_values_of_a_block_of_that_shape():
    for sources in SOURCES:
        shapes = learned(SAMPLE_BLOCK, sources)
        assert shapes.read(SAMPLE_BLOCK) == searched(SAMPLE_BLOCK, sources)
        other = SAMPLE_BLOCK.replace("SMITH  JOHN &amp; A", "JONES MARY").replace("1234 MAIN ST", "9 ELM")
        assert shapes.read(other) == searched(other, sources)
        assert shapes.read(other.replace("JONES", "B_a2 JONES")) is None  # a value with a marker's character
        assert shapes.read(other.replace("JONES", "arrears")) is None  # a value with a marker
        assert shapes.read(other.replace("JONES", 'JONES" X="')) is None  # another skeleton
        assert shapes.read(other.replace("<Acct_info ", "<Acct_info  ")) is None
        assert shapes.read(other.split('B_zip="')[0]) is None  # fewer parts than the shape's


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(ANCHORS), VALUE), min_size=1, max_size=6),
       absent=st.sampled_from(["", "Svc_pr_read_date=", "Svc_cr_read_date", "Svc_", "Prorated="]),
       which=st.sampled_from([0, 1]))
def test_hypothesis_a_known_shape_reads_what_the_searches_read_or_does_not_decide(changes, absent, which):
    """Values replaced by anything, a marker absent from the learned block put in the
    block's details (where the skeleton is not compared)."""
    sources = SOURCES[which]
    shapes = learned(SAMPLE_BLOCK, sources)
    block, values = SAMPLE_BLOCK, []
    for anchor, value in changes:
        if anchor in block:
            block = block.replace(anchor, value, 1)
            values.append(value)
    block = block.replace("</account>", f"<Note>{absent}</Note></account>")
    found = shapes.read(block)
    if found is not None:
        assert found == searched(block, sources)
    plain = all(not set(value) & set("\"=<_") and "arrear" not in value for value in values)
    searched_for = absent in {source.begin for source in sources}  # a begin marker the learned block lacks
    assert (found is not None) == (plain and not searched_for), (changes, absent)


def test_shapes_are_kept_and_learned_within_bounds():
    sources = SOURCES[0]
    shapes = Shaped(sources)
    for number in range(MAX_LEARNED + 5):
        block = SAMPLE_BLOCK.replace("<Acct_info ", "<Acct_info" + " " * (number + 1))
        shapes.learn(block)
        assert shapes.read(block) == (searched(block, sources) if number < MAX_SHAPES else None)
    assert len(shapes.readers) == MAX_SHAPES and shapes.learned == MAX_SHAPES
    quoted = Shaped([Markers('Name="', '"')])  # a marker with a double quote: no shape at all
    quoted.learn(SAMPLE_BLOCK)
    assert quoted.readers == [] and quoted.read(SAMPLE_BLOCK) is None


def test_the_searches_after_the_shape_start_at_the_compared_text_s_end_only_when_it_has_none_of_their_texts():
    shapes = Shapes(SOURCES[0], LATER)
    shapes.learn(SAMPLE_BLOCK)
    *_, after, bare = shapes.read(SAMPLE_BLOCK)
    assert bare
    assert SAMPLE_BLOCK.index('B_zip="') < after < SAMPLE_BLOCK.index("<BillCodeDescription>")
    early = SAMPLE_BLOCK.replace("<Acct_info ", "<Usage/><Acct_info ")
    shapes = Shapes(SOURCES[0], LATER)
    shapes.learn(early)
    assert shapes.read(early)[-2] == 0
    shapes = Shapes(SOURCES[0], ("Usage",))  # a text a value may hold: searched from the start
    shapes.learn(SAMPLE_BLOCK)
    assert shapes.read(SAMPLE_BLOCK)[-2] == 0


@settings(max_examples=500, deadline=None)
@given(value=st.text(st.sampled_from(' \t\n\r\x0b\xa0\u2003x=\'&;#amp<>_é')),
       head=st.sampled_from(["", " ", "=", " =", "= ", "\t=\n", "\u2003= "]),
       tail=st.sampled_from(["", " ", "\n\t", "\u2003"]))
def test_hypothesis_a_bare_value_is_cleaned_as_each_raw_text_around_it(value, head, tail):
    """The raw texts a bare shape no longer builds: `clean_value` gives `bare_value` for each."""
    assert clean_value(f'{head}"{value}"{tail}') == bare_value(value, clean_value)


def test_a_shape_with_a_value_that_is_not_bare_reads_raw_texts():
    """A marker pair around text outside the quotes, or around several values: raw texts."""
    sources = SOURCES[0]
    for between in ('" X Status="', '" B="C" Status="'):
        block = SAMPLE_BLOCK.replace('" Status="', between)
        shapes = Shaped(sources, LATER)
        shapes.learn(block)
        found = Shapes.read(shapes, block)
        assert found is not None and found[-1] is False
        assert shapes.read(block) == searched(block, sources)
        begins = [block.find(source.begin) for source in sources]
        assert found[:-2] == tuple(None if begin < 0 else block[begin + len(source.begin):block.find(
            source.end, begin + len(source.begin))] for source, begin in zip(sources, begins))
        # Blocks of a bare shape and of this one in one parse (the raw and the bare memos), both paths.
        other = block.replace("62501", "62504").replace("SMITH  JOHN", "JONES")
        check_same("<bills>\n" + SAMPLE_BLOCK + block + SAMPLE_BLOCK.replace("62501", "62503") + other)


def test_a_marker_inside_a_value_of_the_learned_block_teaches_no_shape():
    block = SAMPLE_BLOCK.replace("SMITH  JOHN &amp; A", "Due=1")
    assert learned(block, SOURCES[0]).readers == []


def test_the_expression_of_a_raw_value_is_the_text_between_the_markers():
    parts = ["a", "V{}'\"\\x"]
    for head, tail in (('"', '" '), ('="{x}\\', '"\n}'), ("'it's", '"'), ('"', "'"), ("\x00\u2028", "\\N{DASH}")):
        assert eval(joined(head, "parts[1]", tail)) == head + parts[1] + tail


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(ANCHORS), VALUE), min_size=1, max_size=4),
       code=st.sampled_from(CODES), config=st.sampled_from(CONFIGS))
def test_hypothesis_blocks_of_a_known_shape_give_the_same_records_both_ways(changes, code, config):
    """The first block teaches its shape; the next ones, their values changed, are read by it."""
    block = SAMPLE_BLOCK.replace("62501", "62599")
    for anchor, value in changes:
        block = block.replace(anchor, value, 1)
    check_same("<bills>\n" + SAMPLE_BLOCK + block + SAMPLE_BLOCK.replace("JOHN", "JANE"), codes=(code,),
               configs=(config,))


def test_the_fast_path_reads_the_blocks_of_a_known_shape_by_it(monkeypatch):
    decided = []
    read = Shapes.read
    monkeypatch.setattr(Shapes, "read", lambda self, block: decided.append(read(self, block)) or decided[-1])
    blocks = [SAMPLE_BLOCK.replace("62501", f"{n:05d}").replace("SMITH", f"SMITH{n}") for n in range(5)]
    assert check_same("<bills>\n" + "".join(blocks), codes=CODES[:1], configs=CONFIGS[:1]) == 5
    assert [raws is not None for raws in decided] == [False] + [True] * 4
