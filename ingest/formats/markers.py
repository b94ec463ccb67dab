"""Reading values out of an Incode block (FORMATS.md 4): begin/end markers, bill codes and
detail elements. The block is text, not XML, scanned once per marker; only its detail
elements, each first checked against a strict pattern of one empty element, are given to an
XML parser (together, in one parse), with entity resolution, DTD loading and network access off."""
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from lxml import etree

from .converters import ConversionError, shown
from .readers import WORK, find
from .shapes import Shapes
from .spec import BillCode

_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def unescape(text: str) -> str:
    """Replaces the five XML entities and numeric character references; anything else
    (an unknown entity, a reference to no character) stays as written."""
    def one(match: re.Match) -> str:
        if match[1]:
            return _NAMED[match[1]]
        code = int(match[2]) if match[2] else int(match[3], 16)
        valid = 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
        return chr(code) if valid else match[0]
    return _ENTITY.sub(one, text) if "&" in text else text


def clean_value(raw: str) -> str:
    """Trim, drop one leading '=', trim, drop one pair of surrounding quotes, trim, unescape."""
    value = raw.strip()
    if value[-1:] == '"' and "&" not in value:  # the common cases, `"text"` and `="text"`
        if value[:1] == '"' and len(value) >= 2:
            return value[1:-1].strip()
        if value[:2] == '="' and len(value) >= 3:
            return value[2:-1].strip()
    value = value[1:].strip() if value.startswith("=") else value
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return unescape(value)


def extract(block: str, begin: str, end: str) -> str | None:
    """The cleaned value between the first `begin` and the first `end` after it; None when
    `begin` is absent; ConversionError when `end` is absent after it."""
    start = block.find(begin)  # the two searches are counted in WORK together, as `find` would
    if start < 0:
        WORK.chars += len(block)
        return None
    start += len(begin)
    stop = block.find(end, start)
    if stop < 0:
        WORK.chars += len(block)
        raise ConversionError(f"end marker '{end}' not found after '{begin}'")
    WORK.chars += stop + len(end)
    return clean_value(block[start:stop])


_DESCRIPTION = ("<BillCodeDescription>", "</BillCodeDescription>")
BILL_CODE_START = _DESCRIPTION[0]
_AMOUNT = ("<Amount>", "</Amount>")


def bill_codes(block: str, after: int = 0) -> dict[str, list[str | None]]:
    """Raw amounts by bill-code description (trimmed, case-folded): for each description,
    the first `<Amount>` before the next description (None when there is none). Each search
    runs on the block itself, bounded by the next description (no region copied). `after`:
    where the first description is searched from (the block has none before)."""
    codes: dict[str, list[str | None]] = {}
    search = block.find
    opening, closing = _DESCRIPTION
    amount_opening, amount_closing = _AMOUNT
    start, size, seen = search(opening, after), len(block), 0
    while start >= 0:
        text_start = start + len(opening)
        text_end = search(closing, text_start)
        if text_end < 0:
            seen += size - start
            break
        following = search(opening, text_end)
        region_end = following if following >= 0 else size
        seen += region_end - start
        amount = search(amount_opening, text_end, region_end)
        stop = search(amount_closing, amount + len(amount_opening), region_end) if amount >= 0 else -1
        text = block[text_start:text_end]
        description = _DESCRIPTIONS.get(text)
        if description is None:
            description = unescape(text).strip().casefold()
            if len(_DESCRIPTIONS) < _KEPT:
                _DESCRIPTIONS[text] = description
        if stop < 0:
            value = None
        else:
            raw = block[amount + len(amount_opening):stop]
            value = _AMOUNTS.get(raw)
            if value is None:
                value = clean_value(raw)
                if len(_AMOUNTS) < _KEPT:
                    _AMOUNTS[raw] = value
        amounts = codes.get(description)
        if amounts is None:
            codes[description] = [value]
        else:
            amounts.append(value)
        start = following
    WORK.chars += seen if seen else size
    return codes


_DESCRIPTIONS: dict[str, str] = {}  # bill-code description text -> as `bill_codes` keys it (pure: kept)
_AMOUNTS: dict[str, str] = {}  # amount text -> `clean_value` of it (pure: kept)


def bill_code_amounts(codes: dict[str, list[str | None]], description: str) -> list[str] | None:
    """The raw amounts of `description` (None: no such bill code)."""
    amounts = codes.get(description.strip().casefold())
    if amounts is None:
        return None
    if None in amounts:
        raise ConversionError(f"no <Amount> after <BillCodeDescription>{description}</BillCodeDescription>")
    return amounts


_local = threading.local()  # lxml parsers must not be shared between threads


def _parser() -> etree.XMLParser:
    if not hasattr(_local, "parser"):
        _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                        dtd_validation=False, huge_tree=False)
    return _local.parser


MAX_DETAILS = 100  # detail elements read per block; more make the record an error
MAX_RETRIES = 5  # lxml parses of a block's detail elements when lxml refuses one the pattern let through
_POSITION = re.compile(r",? line \d+, column \d+.*$")  # lxml's position in the joined text

_NAME = r"[A-Za-z_:][-A-Za-z0-9_.:]*"
_REFERENCE = r"&(?:amp|lt|gt|quot|apos|#[0-9]{1,8}|#x[0-9a-fA-F]{1,8});"
_TEXT = "[^<&\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff%s]"
_VALUE = rf'"(?:{_TEXT % chr(34)}|{_REFERENCE})*"|\'(?:{_TEXT % chr(39)}|{_REFERENCE})*\''
# One empty element `<Tag a="v" .../>` or `<Tag ...>text</Tag>`: the only shapes read (FORMATS.md 4.5).
_ELEMENT = re.compile(rf"<({_NAME})(?:\s+{_NAME}\s*=\s*(?:{_VALUE}))*\s*"
                      rf"(?:/>|>(?:{_TEXT % ''}|{_REFERENCE})*</\1\s*>)")
_ATTRIBUTE_NAME = re.compile(rf"\s({_NAME})\s*=")
_NUMERIC = re.compile(r"&#(x?)([0-9a-fA-F]+);")


@lru_cache(maxsize=16)
def _tag_pattern(tags: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"<(%s)(?=[\s/>])" % "|".join(map(re.escape, tags)))


@dataclass
class Elements:
    """The detail elements of a block: (tag, offset, attributes or an error message) for the
    first `MAX_DETAILS` in block order; how many there are in all, and where the first one
    not read starts."""
    read: list[tuple[str, int, dict | str]]
    total: int
    first_unread: int | None


def elements(block: str, tags: tuple[str, ...], limit: int = MAX_DETAILS) -> Elements:
    """Scans the block once for `<Tag` of `tags`; an element ends before the next one starts.
    The well-formed ones are given to lxml together, in one parse."""
    starts, total = [], 0
    for match in _tag_pattern(tags).finditer(block):
        total += 1
        if total <= limit + 1:  # the ones read, and the first one not read
            starts.append((match[1], match.start()))
    WORK.chars += len(block)
    read: list[tuple[str, int, dict | str]] = []
    snippets: dict[int, str] = {}  # index in `read` -> element text
    for index, (tag, start) in enumerate(starts[:limit]):
        stop = starts[index + 1][1] if index + 1 < len(starts) else len(block)
        problem, snippet = _cut_element(block, tag, start, stop)
        if snippet is not None:
            snippets[len(read)] = snippet
        read.append((tag, start, problem))
    for index, attributes in _parse_together(snippets).items():
        read[index] = (*read[index][:2], attributes)
    first_unread = starts[limit][1] if len(starts) > limit else None
    return Elements(read, total, first_unread)


def _cut_element(block: str, tag: str, start: int, stop: int) -> tuple[str | None, str | None]:
    """(error message, None) or (None, the element's text) for the element at `start`."""
    end = find(block, ">", start, stop)
    if end >= 0 and block[end - 1] != "/":
        closing = find(block, f"</{tag}", end, stop)
        end = find(block, ">", closing, stop) if closing >= 0 else -1
    if end < 0:
        return f"{shown(block[start:min(stop, start + 60)])} is not closed", None
    snippet = block[start:end + 1]
    if not _ELEMENT.fullmatch(snippet) or _has_bad_reference(snippet) or _repeats_attribute(snippet):
        return f"{shown(snippet)} is not a well-formed element", None
    return None, snippet


def _has_bad_reference(snippet: str) -> bool:
    for hexadecimal, digits in _NUMERIC.findall(snippet):
        code = int(digits, 16 if hexadecimal else 10)
        if not (code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
                or 0x10000 <= code <= 0x10FFFF):
            return True
    return False


def _repeats_attribute(snippet: str) -> bool:
    names = _ATTRIBUTE_NAME.findall(snippet.split(">", 1)[0])
    return len(names) != len(set(names))


def _parse_together(snippets: dict[int, str]) -> dict[int, dict | str]:
    """Attributes per element, from one lxml parse of all of them, one per line; an element
    lxml still refuses gets its message and the others are parsed again (a few times at most)."""
    results: dict[int, dict | str] = {}
    pending = dict(snippets)
    for _ in range(MAX_RETRIES):
        if not pending:
            break
        indexes = list(pending)
        document = "<details>\n" + "\n".join(
            pending[i].replace("\r", " ").replace("\n", " ") for i in indexes) + "\n</details>"
        WORK.parses += 1
        try:
            root = etree.fromstring(document, _parser())
        except (etree.XMLSyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", 0) or 0
            culprit = indexes[line - 2] if 2 <= line < len(indexes) + 2 else indexes[0]
            reason = _POSITION.sub("", str(exc))
            results[culprit] = f"{shown(pending.pop(culprit))} is not a well-formed element ({reason})"
            continue
        for index, element in zip(indexes, root):
            results[index] = dict(element.attrib)
        return results
    for index, snippet in pending.items():
        results[index] = f"{shown(snippet)} was not read: the block's detail elements are not well-formed"
    return results


# --- the fast path (ingest.formats.compiled) ------------------------------------------

def add_marker_reads(code, sources: list, required: set, indent: int, scans: int = 0,
                     later: tuple[str, ...] = ()) -> list[str]:
    """Statements reading each distinct source of a block (`Markers` as `extract` does but
    for `clean_value`, which the conversion applies to a value it has not seen; `BillCode`
    as `bill_code_amounts` does) into a variable, `return None` where `extract` or
    `bill_code_amounts` raises or a `required` source is absent (the begin markers are
    searched first, the required ones first of all: a block without them costs a few
    searches); the variables' names in `sources` order. An end marker that is also a
    begin marker is not searched again when its first position in the block is after
    the begin (the first one after it is that one). The marker values are raw texts, or
    bare values (`shapes.bare_value`) when the variable `bare` is true (set when there is a
    marker pair). Expects `block` and `find = block.find`; counts in `WORK` what the
    searches may examine (the block per marker pair, and per each of the caller's `scans`
    of the whole block)."""
    names: dict = {}
    begins: dict[str, str] = {}  # begin marker -> the variable of its first position
    code.names.update(bill_codes=bill_codes, WORK=WORK, Shapes=Shapes)
    ordered = sorted(dict.fromkeys(sources), key=lambda source: source not in required)
    markers = [source for source in ordered if not isinstance(source, BillCode)]
    if markers:  # read by the block's shape when it is known, else searched (and the shape learned)
        code.setup.append(f"read_shaped, learn_shape = (lambda shapes: (shapes.read, shapes.learn))"
                          f"(Shapes({code.name(markers, 'markers')}, {later!r}))")
        code.add(indent, "shaped = read_shaped(block)", "if shaped is not None:",
                 f"    {', '.join(f'r{number}' for number in range(len(markers)))}, after, bare = shaped", "else:")
        indent += 1
        code.add(indent, "bare = False  # raw texts (bare values: see `shapes.bare_value`)")
    code.add(indent, "after = 0  # where the searches of `later` start")
    for searched, source in enumerate(markers, 1):
        if source.begin not in begins:
            begins[source.begin] = f"b{len(begins)}"
            code.add(indent, f"{begins[source.begin]} = find({source.begin!r})")
        if source in required:
            code.add(indent, f"if {begins[source.begin]} < 0:", f"    WORK.chars += {searched} * len(block)",
                     "    return None")
    for searched, source in enumerate(markers, 1):
        raw = names[source] = f"r{len(names)}"
        begin, start = begins[source.begin], f"{begins[source.begin]} + {len(source.begin)}"
        known = begins.get(source.end)
        search = (f"{known} if {known} >= {start} or {known} < 0 else find({source.end!r}, {start})" if known
                  else f"find({source.end!r}, {start})")
        reads = [f"e = {search}", "if e < 0:", f"    WORK.chars += {searched} * len(block)", "    return None",
                 f"{raw} = block[{start}:e]"]
        if source in required:
            code.add(indent, *reads)
        else:
            code.add(indent, f"if {begin} < 0:", f"    {raw} = None", "else:", *("    " + line for line in reads))
    if markers:
        code.add(indent, "learn_shape(block)")
        indent -= 1
    code.add(indent, f"WORK.chars += {len(markers) + scans} * len(block)")
    codes = [source for source in ordered if isinstance(source, BillCode)]
    if codes:  # the block's bill codes are read once
        code.add(indent, "codes = bill_codes(block, after)")
    for source in codes:
        raw = names[source] = f"r{len(names)}"
        code.add(indent, f"{raw} = codes.get({source.description.strip().casefold()!r})",
                 f"if {raw} is not None and None in {raw}:", "    return None")
    return [names[source] for source in sources]


_S = "[ \t\r\n]"  # XML's whitespace (Python's \s also takes others, which lxml refuses)
# A plain attribute: a name without ':' nor a leading 'xml' (no namespace), a double-quoted
# value with no character lxml would change or refuse (references, whitespace but the
# space, controls) and none of '<', '>', '=' (which the careful checks read structurally).
_PLAIN_NAME = r"(?![Xx][Mm][Ll])[A-Za-z_][-A-Za-z0-9_.]{0,200}"
_PLAIN_VALUE = '"[^"<>&=\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]*"'
_PLAIN_ATTRIBUTE = re.compile(rf'{_S}+({_PLAIN_NAME}){_S}*={_S}*"([^"]*)"')


@lru_cache(maxsize=16)
def _plain_pattern(tags: tuple[str, ...]) -> re.Pattern:
    """A plain empty element `<Tag a="v" .../>` of `tags` (groups: tag, attributes)."""
    names = "|".join(map(re.escape, tags))
    return re.compile(rf"<({names})((?:{_S}+{_PLAIN_NAME}{_S}*={_S}*{_PLAIN_VALUE}){{0,50}}){_S}*/>")


@lru_cache(maxsize=16)
def _start_pattern(tags: tuple[str, ...]) -> re.Pattern:
    """Any start of an element of `tags`, to the first '>' after it (the end of a plain
    element: its attribute values have no '>')."""
    return re.compile(r"<(?:%s)(?=[\s/>])[^>]*>?" % "|".join(map(re.escape, tags)))


_PLAIN_ATTRIBUTES: dict[str, dict] = {}  # attribute text -> its attributes (a file repeats many)
_KEPT = 4096


def plain_elements(block: str, tags: tuple[str, ...], limit: int = MAX_DETAILS) -> list[tuple[str, dict]] | None:
    """(tag, attributes) of the detail elements of a block, in block order, read by one
    pattern when every one of them is plain (see `_PLAIN_VALUE`): then lxml would give the
    same attributes, and `elements` the same list. None when one is not plain, repeats an
    attribute, or there are more than `limit`: `elements` decides. The attribute dicts are
    shared between calls with the same attribute text: read them, never change them."""
    WORK.chars += len(block)
    texts = element_texts(block, tags, limit)
    if texts is None:
        return None
    elements = []
    for text in texts:
        element = plain_element(text, tags)
        if element is None:
            return None
        elements.append(element)
    return elements


def element_texts(block: str, tags: tuple[str, ...], limit: int = MAX_DETAILS) -> list[str] | None:
    """The texts of the elements of `tags` in a block, each from its start to the first
    '>' after it, in block order; None when there are more than `limit`. (A text that is
    not a plain element, see `plain_element`, may run over the next element's start.)
    Counts nothing in `WORK`: the caller counts the block once."""
    found = _start_pattern(tags).findall(block)  # one scan, no match objects
    return None if len(found) > limit else found


def element_finder(tags: tuple[str, ...]) -> Callable[[str], list[str]]:
    """`element_texts` of `tags` without the limit: every text, the caller counts them."""
    return _start_pattern(tags).findall


def plain_element(text: str, tags: tuple[str, ...]) -> tuple[str, dict] | None:
    """(tag, attributes) of an element text of `element_texts` when it is plain and
    repeats no attribute (see `plain_elements`), else None. A text whose shape (the text
    between its double quotes) is that of a plain element seen before is read without the
    pattern: it is plain exactly when its values are (`_shaped_element`)."""
    parts = text.split('"')
    shape = _SHAPES.get(tuple(parts[::2]))
    if shape is not None and shape[0] in tags:
        values = parts[1::2]
        if _NOT_PLAIN_VALUE.search("".join(values)) is None:
            return shape[0], dict(zip(shape[1], values))
    return _patterned_element(text, tags, parts)


def _patterned_element(text: str, tags: tuple[str, ...], parts: list[str] | None = None) -> tuple[str, dict] | None:
    """`plain_element` by the plain pattern (the reference); a plain element's shape is kept."""
    match = _plain_pattern(tags).fullmatch(text)
    if match is None:
        return None
    attribute_text = match[2]
    attributes = _PLAIN_ATTRIBUTES.get(attribute_text)
    if attributes is None:
        pairs = _PLAIN_ATTRIBUTE.findall(attribute_text)
        attributes = dict(pairs)
        if len(attributes) != len(pairs):
            return None
        if len(_PLAIN_ATTRIBUTES) < _KEPT:
            _PLAIN_ATTRIBUTES[attribute_text] = attributes
    if parts is not None and len(_SHAPES) < _KEPT:
        _SHAPES[tuple(parts[::2])] = match[1], tuple(attributes)
    return match[1], attributes


# The shape of a plain element: its text split at its double quotes, the values (every
# second part) left out. In a plain element a double quote only opens or closes a value
# (a name, '=' and whitespace have none), so the parts left are `<Tag` with the first
# name and its '=', each following name with its '=', then the end `/>`, each with its
# whitespace: the pattern matched them one by one, and matches any text of that shape
# whose values are plain values (`_PLAIN_VALUE` without its quotes), giving the names of
# the shape, in order, with those values.
_SHAPES: dict[tuple, tuple[str, tuple]] = {}  # shape -> (tag, attribute names in order)
_NOT_PLAIN_VALUE = re.compile(f"[{_PLAIN_VALUE[3:-3]}]")  # a character no plain value has
