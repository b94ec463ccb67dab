"""Field tables compiled into Python functions (as exports' `row_function`), once for every
parse with the same fields and settings (`made`): the fast path of a record without error.

`Draft.fill_raws` and `Draft.render` walk a table field by field, with the dispatch every
case needs (absent, blank, bill-code lists, errors kept per field). A compiled function is
the same table written out as straight-line code for the case where nothing goes wrong: it
gives exactly the values and dicts the general path gives, or `None` ("undecided") as soon
as anything would be an error; the caller then reads the record with the general path, which
reports it. The field tables stay the single source; tests compare both paths
(tests/ingest/test_incode_fast_path.py).
"""
from decimal import Decimal
from typing import Any, Callable

from .converters import ConversionError, as_is
from .spec import BillCode, Table

ZERO = Decimal("0.00")
MEMO_SIZE = 4096  # converted values kept per field, per parse


class Code:
    """The text of one generated function and the objects it names."""

    def __init__(self):
        self.lines: list[str] = []  # the first one is `def make(run):`
        self.setup: list[str] = []  # statements run once per parse, at the start of `make`
        self.names: dict[str, Any] = {"ConversionError": ConversionError, "ZERO": ZERO}
        self._known: dict[int, str] = {}

    def name(self, value: Any, prefix: str = "k") -> str:
        """A name for `value` in the generated code (one per object)."""
        known = self._known.get(id(value))
        if known is None:
            known = self._known[id(value)] = f"{prefix}{len(self._known)}"
            self.names[known] = value
        return known

    def add(self, indent: int, *lines: str) -> None:
        self.lines.extend("    " * indent + line for line in lines)

    def build(self, title: str) -> Callable:
        """Compiles `def make(run): ...` and returns `make`."""
        lines = [self.lines[0], *("    " + line for line in self.setup), *self.lines[1:]]
        exec(compile("\n".join(lines) + "\n", f"<{title}>", "exec"), self.names)
        return self.names["make"]


_MADE: dict = {}  # compiled `make` functions by what they were compiled from, for every parse
MADE_KEPT = 64


def made(key: tuple, build: Callable[[], Callable]) -> Callable:
    """`build()` once per `key` (a parse compiles its tables only the first time it meets
    them); without caching when the key cannot be hashed."""
    try:
        make = _MADE.get(key)
    except TypeError:
        return build()
    if make is None:
        if len(_MADE) >= MADE_KEPT:
            _MADE.clear()
        make = _MADE[key] = build()
    return make


def add_conversions(code: Code, table: Table, raws: list[str], indent: int, prepare: Callable | None = None,
                    renders: dict[str, Callable] | None = None,
                    bare: Callable | None = None) -> dict[str, tuple[str, str]]:
    """Statements converting the raw values (variables named in `raws`, in `table.reads`
    order: a str, None when absent, a list for bill codes) as `Draft.fill_raws` does, with
    `return None` wherever it would record an error, each value with its rendered text
    (`renders`: by field name, the render `Draft.render` applies; `as_is` when absent);
    returns {field name: (value variable, text variable)} in `table.reads` order. A raw
    text seen before in the parse is neither converted nor rendered again: a memo per
    conversion keeps (value, text) by raw text (converters and renders are pure).
    `prepare` makes a str raw value the converter's input (e.g. `clean_value`). A
    ConversionError raised by a converter must be caught by the caller's code. With `bare`
    (`shapes.bare_value`), a str raw value is a bare value when the variable `bare` is true:
    each of its conversions has a second memo, keyed by the bare value, whose misses
    prepare `bare(value, prepare)`; the memos used are chosen once per record."""
    renders = renders or {}
    start, chosen = len(code.lines), []  # the memos of the str conversions (each has a bare one)
    unquote = bare and (lambda value: bare(value, prepare))
    converted: dict[tuple, tuple[str, str]] = {}  # (raw, converter, blank, render) -> variables
    values: dict[str, tuple[str, str]] = {}
    for (name, clean, required, blank, check, source), raw in zip(table.reads, raws):
        render = renders.get(name, as_is)
        key = (raw, clean, blank, render)
        pair = converted.get(key)
        if pair is None:
            index = len(converted)
            pair = converted[key] = f"v{index}", f"x{index}"
            memo = f"memo{len(code.setup)}"  # one per parse
            code.setup.append(f"{memo} = {{}}")
            if isinstance(source, BillCode):  # several bill codes: their amounts are summed
                miss = code.name(bill_code_conversion, "bill_code_conversion")
                code.setup.append(f"miss_{memo} = {miss}({memo}, {code.name(clean, 'c')}, {code.name(render, 'r')})")
                code.add(indent, f"if {raw} is None:", f"    {pair[0]} = {pair[1]} = None", "else:",
                         f"    {pair[0]}, {pair[1]} = (len({raw}) == 1 and {memo}.get({raw}[0])) or miss_{memo}({raw})")
            else:
                miss = code.name(conversion, "conversion")
                arguments = f"{code.name(clean, 'c')}, {code.name(render, 'r')}, {code.name(blank)}"
                code.setup.append(f"miss_{memo} = {miss}({memo}, {arguments}, {code.name(prepare, 'prepare')})")
                get = f"{memo}.get"
                if bare is not None:
                    get, unquoted = f"get_{memo}", code.name(unquote, "unquoted")
                    code.setup.append(f"bare_{memo} = {{}}")
                    code.setup.append(f"miss_bare_{memo} = {miss}(bare_{memo}, {arguments}, {unquoted})")
                    chosen.append(memo)
                code.add(indent, f"if {raw} is None:", f"    {pair[0]} = {pair[1]} = None", "else:",
                         f"    {pair[0]}, {pair[1]} = {get}({raw}) or miss_{memo}({raw})")
        if required:  # absent, or blank without a blank value: an error
            condition = f"{raw} is None" if isinstance(source, BillCode) else f"{pair[0]} is None"
            code.add(indent, f"if {condition}:", "    return None")
        if check is not None and not isinstance(source, BillCode):
            code.add(indent, f"if {pair[0]} is not None and {code.name(check, 'check')}({pair[0]}, run):",
                     "    return None")
        values[name] = pair
    if chosen:  # the raw memos or the bare ones, once per record (then one local name each)
        names = ", ".join(f"get_{memo}, miss_{memo}" for memo in chosen)
        for kind, prefix in (("raw", ""), ("bare", "bare_")):
            code.setup.append(f"{kind}_memos = ({', '.join(f'{prefix}{m}.get, miss_{prefix}{m}' for m in chosen)},)")
        code.lines.insert(start, "    " * indent + f"{names} = bare_memos if bare else raw_memos")
    return values


def conversion(memo: dict, clean: Callable, render: Callable, blank: Any, prepare: Callable | None) -> Callable:
    """raw text -> (value, rendered text) as `Draft.fill_raws` and `Draft.render` give them
    (ConversionError as the converter raises it), kept in the parse's `memo`."""
    def convert(raw: str) -> tuple:
        value = clean(raw if prepare is None else prepare(raw))
        if value is None:
            value = blank
        pair = value, None if value is None else render(value)
        if len(memo) < MEMO_SIZE:
            memo[raw] = pair
        return pair
    return convert


def bill_code_conversion(memo: dict, clean: Callable, render: Callable) -> Callable:
    """The raw amounts of a bill code -> (their sum, its rendered text) as `Draft.fill_raws`
    gives it; kept in the parse's `memo` by the amount when there is one."""
    def convert(raws: list) -> tuple:
        amounts = [a for a in map(clean, raws) if a is not None]
        value = sum(amounts, ZERO) if amounts else None
        pair = value, None if value is None else render(value)
        if len(raws) == 1 and len(memo) < MEMO_SIZE:
            memo[raws[0]] = pair
        return pair
    return convert


def add_rendered(code: Code, indent: int, pair: tuple[str, str], render: Callable) -> None:
    """The text variable of `pair` set from its value variable, as `Draft.render` writes it."""
    value, text = pair
    if render is as_is:
        code.add(indent, f"{text} = {value}")
    else:
        code.add(indent, f"{text} = None if {value} is None else {code.name(render, 'r')}({value})")


def dict_display(items: dict[str, str]) -> str:
    return "{" + ", ".join(f"{name!r}: {expression}" for name, expression in items.items()) + "}"


def render_expression(code: Code, table: Table, text_of: Callable[[str], str]) -> str:
    """The dict display `Draft.render(table, run)` builds; `text_of(name)` is the expression
    of a field's rendered text ("None" when the record can have none)."""
    parts = {name: code.name(value) for name, value in table.template.items()}
    for name in (*table.plain, *(name for name, _ in table.rendered)):
        parts[name] = text_of(name)
    return dict_display({name: parts[name] for name in table.template})


def table_renders(*tables: Table) -> dict[str, Callable]:
    """The render `Draft.render` applies to each field of `tables` (`as_is` for plain ones)."""
    renders = {}
    for table in tables:
        renders.update({name: as_is for name in table.plain}, **dict(table.rendered))
    return renders
