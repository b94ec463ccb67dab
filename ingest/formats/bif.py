"""BIF (biller information form) values on every invoice: a questionnaire value, or a date
rule on the invoice's own dates (``InvoiceDueDate + 1 day``). A value read from the file wins;
a BIF value only fills a field the file left empty.

The biller's BIF table arrives as data in `ParseConfig.bif` (built by
`ingest.config.build_parse_config`); nothing here reads a database.
"""
import datetime
from dataclasses import dataclass
from typing import Any

from .compiled import MEMO_SIZE
from .converters import AMOUNT, BOOLEAN, DATE, TEXT, ConversionError, Converter, as_is
from .spec import Bif, Careful, Field


@dataclass(frozen=True)
class BifValue:
    """One BIF feature of the biller: `value` (a Python value: Decimal, bool, str) or the
    rule `base` + `days` (a date relative to the invoice's InvoiceDate or InvoiceDueDate)."""
    field: str
    value: Any = None
    base: str | None = None
    days: int = 0

    def __str__(self) -> str:
        if self.base is None:
            return ("yes" if self.value else "no") if isinstance(self.value, bool) else str(self.value)
        if self.days == 0:
            return self.base
        unit = "day" if abs(self.days) == 1 else "days"
        return f"{self.base} {'+' if self.days > 0 else '-'} {abs(self.days)} {unit}"


# The IC invoice-header fields a BIF feature sets, with the FileSpecIDs the seeds give (None:
# the seeds name no FileSpecID; such fields follow the numbered ones in the IC file).
BIF_FIELDS: dict[str, tuple[int | None, Converter]] = {
    "MinimumAmountDue": (None, AMOUNT),
    "AllowPartialPayments": (None, BOOLEAN),
    "BalanceForward": (None, BOOLEAN),
    "AchServiceFee": (None, AMOUNT),
    "CreditCardServiceFee": (None, AMOUNT),
    "AutoPayCollectionDate": (None, DATE),
    "FirstNotifyRequestedDate": (None, DATE),
    "SecondNotifyRequestedDate": (None, DATE),
    "ThirdNotifyRequestedDate": (None, DATE),
    "LateFeeDate": (187, DATE),
    "PaymentExpirationDate": (None, DATE),
    "PaymentExpirationMessage": (None, TEXT),
    "PromptPayExpirationDate": (None, DATE),
    "LocationReference": (None, TEXT),
    "RegistrationValue": (None, TEXT),
}
RULE_BASES = ("InvoiceDate", "InvoiceDueDate")
# Incode without a biller (parse_file with no --biller): FORMATS.md 4.1's LateFeeDate fallback.
INCODE_DEFAULT_BIF = (BifValue("LateFeeDate", base="InvoiceDueDate", days=1),)


def bif_fields(record_fields) -> tuple:
    """The BIF fields an invoice format adds to its IH table: those it does not read itself."""
    own = {f.name for f in record_fields if f.record == "IH"}
    return tuple(Field(name, number, "IH", Bif(), converter,
                       rule="the biller's BIF value or rule, when it has one; a value in the file wins")
                 for name, (number, converter) in BIF_FIELDS.items() if name not in own)


def apply_bif(draft, bif: tuple[BifValue, ...]) -> None:
    """Fill each field the biller's BIF table governs and the file left empty. A rule whose
    date falls outside the calendar is an error on the record naming the value."""
    values = draft.values
    failed = {e.field for e in draft.errors}
    for item in bif:
        if values.get(item.field) is not None or item.field in failed:
            continue
        if item.base is None:
            values[item.field] = item.value
            continue
        base = values.get(item.base)
        if base is None:
            continue
        try:
            values[item.field] = base + datetime.timedelta(days=item.days)
        except OverflowError:
            draft.error(item.field, f"{item} with {item.base} '{base.isoformat()}' is not a date "
                                    f"(dates run from 0001-01-01 to 9999-12-31)")


def apply_bif_columns(filled: dict[str, tuple[list, list]], bif: tuple[BifValue, ...], fields) -> None:
    """`apply_bif` over a batch of records without errors (`spec.fill_columns`): each BIF
    field's column, its blank values filled (rendered by the field's converter among
    `fields`); Careful when a rule's date falls outside the calendar."""
    count = len(next(iter(filled.values()))[0])
    renders = {f.name: f.converter.render if f.converter else as_is for f in fields}
    for item in bif:
        values, rendered = filled.get(item.field, ([None] * count, [None] * count))
        if None not in rendered:  # a value is None only where its rendering is
            continue
        values, rendered = list(values), list(rendered)
        render = renders.get(item.field, as_is)
        bases = filled.get(item.base, ([None] * count,))[0] if item.base is not None else None
        made = {}  # base date (or None for a value) -> (value, rendered)
        for index, value in enumerate(values):
            if value is not None:
                continue
            base = None if bases is None else bases[index]
            if bases is not None and base is None:
                continue
            if base not in made:
                try:
                    new = item.value if base is None else base + datetime.timedelta(days=item.days)
                except OverflowError:
                    raise Careful from None
                made[base] = new, None if new is None else render(new)
            values[index], rendered[index] = made[base]
        filled[item.field] = values, rendered


def add_bif(code, indent: int, bif: tuple[BifValue, ...], pairs: dict[str, tuple[str, str]],
            renders: dict) -> None:
    """`apply_bif` as statements of a compiled fast path (ingest.formats.compiled) for a
    record without error: `pairs` maps a field to the variables of its value and rendered
    text (a field without them has no value) and is updated with the filled ones; a rule's
    date outside the calendar raises ConversionError (the record is then not decided)."""
    for number, item in enumerate(bif):
        target = pairs.get(item.field, ("None", "None"))
        render = renders.get(item.field, as_is)
        filled = f"b{number}", f"b{number}_text"
        if item.base is None:
            value = code.name(item.value)
            text = code.name(None if item.value is None else render(item.value))
            fill = [f"{filled[0]}, {filled[1]} = {value}, {text}"]
        else:
            base = pairs.get(item.base)
            if base is None:  # no base value: nothing is filled
                continue
            memo = f"bif_memo{number}"
            code.setup.append(f"{memo} = {{}}")
            shift = f"{code.name(date_shift, 'date_shift')}({memo}, {item.days}, {code.name(render, 'r')}, {code.name(item)})"
            code.setup.append(f"shift_{memo} = {shift}")
            fill = [f"if {base[0]} is None:", f"    {filled[0]} = {filled[1]} = None", "else:",
                    f"    {filled[0]}, {filled[1]} = {memo}.get({base[0]}) or shift_{memo}({base[0]})"]
        if target[0] == "None":
            code.add(indent, *fill)
        else:
            code.add(indent, f"if {target[0]} is not None:", f"    {filled[0]}, {filled[1]} = {target[0]}, {target[1]}",
                     "else:", *("    " + line for line in fill))
        pairs[item.field] = filled


def date_shift(memo: dict, days: int, render, item: BifValue):
    """base date -> (base + `days`, its rendered text), kept in the parse's `memo`;
    ConversionError when the date falls outside the calendar (`apply_bif` reports it)."""
    delta = datetime.timedelta(days=days)

    def shift(base: datetime.date) -> tuple:
        try:
            value = base + delta
        except OverflowError:
            raise ConversionError(f"{item} is not a date") from None
        pair = value, render(value)
        if len(memo) < MEMO_SIZE:
            memo[base] = pair
        return pair
    return shift
