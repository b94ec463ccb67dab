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
import datetime
from decimal import Decimal
from typing import Any, Callable

from .converters import ConversionError, render_amount, render_us_date
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


def add_conversions(code: Code, table: Table, raws: list[str], indent: int, prepare: str = "") -> dict[str, str]:
    """Statements converting the raw values (variables named in `raws`, in `table.reads`
    order: a str, None when absent, a list for bill codes) as `Draft.fill_raws` does, with
    `return None` wherever it would record an error; returns {field name: variable} in
    `table.reads` order. `prepare` names a function the code knows that makes a str raw
    value the converter's input (e.g. `clean_value`). A ConversionError raised by a
    converter must be caught by the caller's code."""
    converted: dict[tuple, str] = {}  # (raw, converter, blank) -> variable: shared sources converted once
    values: dict[str, str] = {}
    for (name, clean, required, blank, check, source), raw in zip(table.reads, raws):
        key = (raw, clean, blank)
        value = converted.get(key)
        if value is None:
            value = converted[key] = f"v{len(converted)}"
            clean_name = code.name(clean, "c")
            code.add(indent, f"if {raw} is None:", f"    {value} = None", "else:")
            memo = f"memo{len(code.setup)}"  # one per parse
            code.setup.append(f"{memo} = {{}}")
            if isinstance(source, BillCode):  # several bill codes: their amounts are summed
                code.add(indent + 1, f"if len({raw}) == 1:",  # the common case: one amount (as `sum` adds it)
                         *("    " + line for line in memo_conversion(value, f"{raw}[0]", memo, clean_name, "")),
                         f"    {value} = None if {value} is None else ZERO + {value}", "else:",
                         f"    {value} = [a for a in map({clean_name}, {raw}) if a is not None]",
                         f"    {value} = sum({value}, ZERO) if {value} else None")
            else:  # a raw value seen before is not converted again (converters are pure)
                code.add(indent + 1, *memo_conversion(value, raw, memo, clean_name, prepare))
                if blank is not None:
                    code.add(indent + 1, f"if {value} is None:", f"    {value} = {code.name(blank)}")
        if required:  # absent, or blank without a blank value: an error
            condition = f"{raw} is None" if isinstance(source, BillCode) or blank is not None else f"{value} is None"
            code.add(indent, f"if {condition}:", "    return None")
        if check is not None and not isinstance(source, BillCode):
            code.add(indent, f"if {value} is not None and {code.name(check, 'check')}({value}, run):",
                     "    return None")
        values[name] = value
    return values


def memo_conversion(value: str, raw: str, memo: str, clean_name: str, prepare: str) -> list[str]:
    """Statements setting `value` to the converted `raw` (a str), converted only when the
    parse's `memo` has not seen it (converters are pure)."""
    converted = f"{clean_name}({prepare}({raw}))" if prepare else f"{clean_name}({raw})"
    return [f"{value} = {memo}.get({raw})", f"if {value} is None:", f"    {value} = {converted}",
            f"    if len({memo}) < {MEMO_SIZE}:", f"        {memo}[{raw}] = {value}"]


def dict_display(items: dict[str, str]) -> str:
    return "{" + ", ".join(f"{name!r}: {expression}" for name, expression in items.items()) + "}"


# Renders whose text depends on the value alone: equal values render alike, zeros aside
# (0.00 and -0.00 are equal; a zero is falsy and never kept).
BY_VALUE = frozenset({render_amount, render_us_date, datetime.date.isoformat})


def remember(memo: dict, render: Callable, value: Any) -> Any:
    """`render(value)`, kept in the parse's `memo` by value (not a zero, see BY_VALUE)."""
    text = render(value)
    if value and len(memo) < MEMO_SIZE:
        memo[value] = text
    return text


def render_expression(code: Code, table: Table, value_of: Callable[[str], str],
                      converted: frozenset = frozenset()) -> str:
    """The dict display `Draft.render(table, run)` builds; `value_of(name)` is the expression
    of a field's value ("None" when the record can have none). The fields named in
    `converted` hold only what their converters give: a `BY_VALUE` render of such a value
    seen before in the parse is not done again."""
    parts = {name: code.name(value) for name, value in table.template.items()}
    for name in table.plain:
        parts[name] = value_of(name)
    for name, render in table.rendered:
        value, render_name = value_of(name), code.name(render, "r")
        if value == "None":
            parts[name] = "None"
        elif name in converted and render in BY_VALUE:
            memo = f"texts_{render_name}"  # one per render, per parse
            if f"{memo} = {{}}" not in code.setup:
                code.setup.append(f"{memo} = {{}}")
            parts[name] = f"(None if (x := {value}) is None else ({memo}.get(x) or remember({memo}, {render_name}, x)))"
        else:
            parts[name] = f"(None if (x := {value}) is None else {render_name}(x))"
    return dict_display(parts)


def render_function(table: Table, names: set[str] | None = None,
                    converted: frozenset = frozenset()) -> Callable[[dict], dict]:
    """`Draft.render(table, run)` compiled: values dict -> the record table's dict. With
    `names`, the values dict has no other keys (the others are written as None);
    `converted` as `render_expression` takes it."""
    def build():
        code = Code()
        code.names["remember"] = remember
        code.add(0, "def make(run):", "    def render(values):", "        get = values.get")
        value_of = (lambda name: f"get({name!r})" if names is None or name in names else "None")
        code.add(2, f"return {render_expression(code, table, value_of, converted)}")
        code.add(1, "return render")
        return code.build(f"render of {', '.join(table.template)}")
    key = ("render", tuple(table), table.config, None if names is None else frozenset(names), converted)
    return made(key, build)(None)
