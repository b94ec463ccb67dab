"""The raw marker values of an Incode block read by the block's shape (the fast path,
ingest.formats.compiled), without a search per marker.

A block split at its double quotes gives its text between the quotes (the values, every
second part) and the rest (the skeleton: `<Acct_info Account No=`, ` Name=`, ...). A marker
without a double quote lies inside one part. When the skeleton's first parts are those of a
block read before (its shape; the last one to the end of the last marker) and no value
before it can hold a marker, every marker is first found where it was in that block: in the
same skeleton part, at the same offset (the parts before it are the same, the values hold
none). A marker the block read before did not have is searched in the whole block, and the
raw value of a marker pair is the text between the same two places, made of the same
skeleton pieces and this block's values. Anything else (another skeleton, a value with a
character a marker has) is read by the searches (`markers.add_marker_reads`), which learn
the shape of the first blocks they read. When the learned block has none of the caller's
`later` texts (each starting with '<', which no value has) before its last marker's end,
neither has a block of its shape: the caller's searches for them (bill codes, detail
elements) start there (less the length of the longest, which may begin before and end after).

A shape whose every marker pair holds exactly one value, between the value's quotes and
nothing but whitespace (and one '=' before the opening quote, as in `Name="SMITH" `), reads
the bare values (the text between the quotes) instead of rebuilding the raw texts:
`clean_value` gives the same for both (`bare_value`), so the caller converts the bare value
with memos of its own (keyed by it) and no string is built per value.
"""
import bisect
from typing import Callable

SPECIAL = "=<_"  # a value with one of these may hold a marker (a search for each: `in` is memchr)
MAX_SHAPES = 8  # shapes kept per parse
MAX_LEARNED = 64  # blocks whose shape is learned per parse (a file of ever new shapes stops there)


class Shapes:
    """The shapes of the blocks read so far in one parse, for the marker pairs `sources`
    (`Markers`, in the order of the raw values the fast path reads)."""

    def __init__(self, sources: list, later: tuple[str, ...] = ()):
        self.sources, self.later = sources, later
        self.markers = {marker for source in sources for marker in (source.begin, source.end)}
        usable = all('"' not in marker and marker for marker in self.markers)
        self.learned = 0 if usable else MAX_LEARNED
        self.readers: list[Callable] = []  # one per shape, the last learned first

    def read(self, block: str) -> tuple | None:
        """The raw values of `sources` in `block` (None for an absent begin marker) as
        `markers.extract` gives them before `clean_value`, then where in the block the
        caller's searches of `later` may start (0, or the end of the text the shape
        compared when it has none of them and the values no '<'), then whether the values
        are bare (see `bare_value`); None when no shape decides."""
        for reader in self.readers:
            raws = reader(block)
            if raws is not None:
                return raws
        return None

    def learn(self, block: str) -> None:
        """Keeps the shape of `block`, a block whose markers the searches read without error."""
        if self.learned >= MAX_LEARNED or len(self.readers) >= MAX_SHAPES:
            return
        self.learned += 1
        reader = block_shape(block, self.sources, self.markers, self.later)
        if reader is not None and reader(block) is not None:
            self.readers.insert(0, reader)


def block_shape(block: str, sources: list, markers: set[str], later: tuple[str, ...]) -> Callable | None:
    """The reader of `Shapes.read` for the blocks of the shape of `block` (None for a block
    of another shape), or None when a marker used lies in a value of `block`."""
    parts = block.split('"')
    offsets, offset = [], 0
    for part in parts:
        offsets.append(offset)
        offset += len(part) + 1
    pieces, absent, last, reach = [], [], 0, 0  # reach: the end of the last marker used
    bare: list = []  # per source: the expression of its bare value, None when it has none
    for source in sources:
        begin = block.find(source.begin)
        if begin < 0:
            absent.append(source.begin)
            pieces.append("None")
            bare.append("None")
            continue
        start = begin + len(source.begin)
        end = block.find(source.end, start)
        if end < 0:
            return None
        first, final = (bisect.bisect_right(offsets, position) - 1 for position in (begin, end))
        if first % 2 or final % 2:
            return None  # a marker inside a value
        last, reach = max(last, final), max(reach, end + len(source.end))
        if first == final:
            pieces.append(repr(block[start:end]))
            bare.append(None)
            continue
        head, tail = block[start:offsets[first + 1]], block[offsets[final] - 1:end]  # each with its quote
        between = f"parts[{first + 1}]" if final == first + 2 else f"quote.join(parts[{first + 1}:{final}])"
        pieces.append(joined(head, between, tail))
        plain = final == first + 2 and head[:-1].strip() in ("", "=") and not tail[1:].strip()
        bare.append(between if plain else None)
    # Compared: the skeleton parts before the last one used, and that one to the end of its
    # last marker (the rest of it, e.g. a block's bill codes, may differ from block to block).
    skeleton, prefix = parts[:last:2], block[offsets[last]:reach]
    in_values = [f"{char!r} in values" for char in SPECIAL]
    in_values += [f"{marker!r} in values" for marker in sorted(markers) if not any(char in marker for char in SPECIAL)]
    margin = max(map(len, later), default=1) - 1  # a text of `later` may start before `reach`, end after
    clear = all(text.startswith("<") and '"' not in text and text not in block[:reach] for text in later)
    if all(bare):  # every value present is bare: no raw text rebuilt
        pieces = bare
    after = f"max(len(block) - len(parts[{last}]) + {len(prefix) - margin}, 0)" if clear else "0"
    code = "\n".join((
        "def reader(block):",
        f"    parts = block.split(quote, {last})",
        f"    if len(parts) <= {last} or parts[:{last}:2] != skeleton or not parts[{last}].startswith(prefix):",
        "        return None",
        f"    values = quote.join(parts[1:{last}:2])",
        f"    if {' or '.join(in_values + absent_searches(absent))}:",
        "        return None",
        f"    return ({', '.join(pieces)}, {after}, {all(bare)})"))
    names = {"skeleton": skeleton, "prefix": prefix, "quote": '"'}
    exec(compile(code, "<block shape>", "exec"), names)
    return names["reader"]


def bare_value(value: str, clean_value: Callable) -> str:
    """What `clean_value` gives for any raw text `(whitespace)(=)(whitespace)"value"(whitespace)`
    (a bare value has no double quote): the value trimmed and unescaped, the same for each of them."""
    return clean_value(f'"{value}"')


def absent_searches(absent: list[str]) -> list[str]:
    """Conditions true when one of the `absent` markers is in the block; markers with the
    same first four characters are searched once by them when they are absent too."""
    groups: dict[str, list[str]] = {}
    for marker in dict.fromkeys(absent):
        groups.setdefault(marker[:4], []).append(marker)
    return [f"{group[0]!r} in block" if len(group) == 1 else
            f"({prefix!r} in block and ({' or '.join(f'{marker!r} in block' for marker in group)}))"
            for prefix, group in groups.items()]


def joined(head: str, expression: str, tail: str) -> str:
    """The expression of `head + (expression) + tail`: one f-string (one new string)."""
    literals = [repr(text.replace("{", "{{").replace("}", "}}")) for text in (head, tail)]
    if literals[0][0] == literals[1][0] == "'":
        return f"f{literals[0][:-1]}{{{expression}}}{literals[1][1:]}"
    return f"{head!r} + {expression} + {tail!r}"  # a quote in them: repr chose the other quote
