"""Reading values out of an Incode block (FORMATS.md 4): begin/end markers, bill codes and
detail elements. The block is text, not XML; only a single detail element is ever given to
an XML parser, with entity resolution, DTD loading and network access off."""
import re
import threading
from typing import Iterator

from lxml import etree

from .converters import ConversionError, shown

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
    value = value[1:].strip() if value.startswith("=") else value
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return unescape(value)


def extract(block: str, begin: str, end: str) -> str | None:
    """The cleaned value between the first `begin` and the first `end` after it; None when
    `begin` is absent; ConversionError when `end` is absent after it."""
    start = block.find(begin)
    if start < 0:
        return None
    start += len(begin)
    stop = block.find(end, start)
    if stop < 0:
        raise ConversionError(f"end marker '{end}' not found after '{begin}'")
    return clean_value(block[start:stop])


_DESCRIPTION = ("<BillCodeDescription>", "</BillCodeDescription>")
_AMOUNT = ("<Amount>", "</Amount>")


def bill_codes(block: str) -> dict[str, list[str | None]]:
    """Raw amounts by bill-code description (trimmed, case-folded): for each description,
    the first `<Amount>` before the next description (None when there is none)."""
    codes: dict[str, list[str | None]] = {}
    start = block.find(_DESCRIPTION[0])
    while start >= 0:
        text_start = start + len(_DESCRIPTION[0])
        text_end = block.find(_DESCRIPTION[1], text_start)
        if text_end < 0:
            break
        following = block.find(_DESCRIPTION[0], text_end)
        region = block[text_end:following if following >= 0 else len(block)]
        amount = _between(region, *_AMOUNT)
        description = unescape(block[text_start:text_end]).strip().casefold()
        codes.setdefault(description, []).append(None if amount is None else clean_value(amount))
        start = following
    return codes


def _between(text: str, begin: str, end: str) -> str | None:
    start = text.find(begin)
    stop = text.find(end, start + len(begin)) if start >= 0 else -1
    return text[start + len(begin):stop] if stop >= 0 else None


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


def elements(block: str, tags: tuple[str, ...]) -> Iterator[tuple[str, int, dict | str]]:
    """(tag, offset in block, attributes) per `<Tag .../>` element of `tags`, in block order;
    an element that is not well-formed gives an error message instead of attributes."""
    pattern = re.compile(r"<(%s)(?=[\s/>])" % "|".join(map(re.escape, tags)))
    for match in pattern.finditer(block):
        tag, start = match[1], match.start()
        end = block.find(">", start)
        if end >= 0 and block[end - 1] != "/":
            closing = block.find(f"</{tag}>", end)
            end = closing + len(tag) + 2 if closing >= 0 else -1
        if end < 0:
            yield tag, start, f"{shown(block[start:start + 60])} is not closed"
            continue
        snippet = block[start:end + 1]
        try:
            yield tag, start, dict(etree.fromstring(snippet, _parser()).attrib)
        except (etree.XMLSyntaxError, ValueError) as exc:
            yield tag, start, f"{shown(snippet)} is not a well-formed element ({exc})"
