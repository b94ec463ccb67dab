"""Value converters shared by every inbound format (FORMATS.md section 2).

In the spirit of django-import-export's widgets: a `Converter` has `clean` (raw text of the
file -> Python value, `None` for a blank value, `ConversionError` for a bad one, its message
naming the raw value) and `render` (Python value -> the JSON value of FORMATS.md 6).
Amounts are `Decimal`, never `float`.
"""
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Sequence


class ConversionError(ValueError):
    """A raw value that does not convert; `str()` is the user message (names the value)."""


def shown(raw: str, limit: int = 60) -> str:
    """The raw value quoted for a message: control characters escaped, long values cut."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in raw[:limit])
    return f"'{text}…'" if len(raw) > limit else f"'{text}'"


def as_is(value: Any) -> Any:
    return value


Column = tuple[list, list]  # (values, rendered values) of a column of raw values


@dataclass(frozen=True)
class Converter:
    name: str  # shown in the admin's marker table, e.g. "amount"
    clean: Callable[[str], Any]
    render: Callable[[Any], Any] = as_is
    # `clean` and `render` over a whole column of raw values at once, for the values in the
    # common plain form; None when a value is not (`convert_column` then converts each
    # distinct value with `clean`).
    column: Callable[[Sequence[str]], Column | None] | None = None

    def convert_column(self, raws: Sequence[str]) -> Column | None:
        """(values, rendered values) of `raws`, the same as `clean` and `render` give value by
        value; None when a value does not convert (its row then reports the error). A column
        of one repeated value (a file's dates, type, flags) converts that value once."""
        count = len(raws)
        if count > 1 and raws[0] == raws[-1] and raws.count(raws[0]) == count:
            one = self._convert(raws[:1])
            return None if one is None else (one[0] * count, one[1] * count)
        return self._convert(raws)

    def _convert(self, raws: Sequence[str]) -> Column | None:
        converted = self.column(raws) if self.column is not None else None
        return converted if converted is not None else distinct_column(self, raws)


def distinct_column(converter: Converter, raws: Sequence[str]) -> Column | None:
    """Each distinct raw value cleaned and rendered once (a column has few distinct dates,
    flags or codes); None when one of them does not convert."""
    values, rendered = {}, {}
    for raw in set(raws):
        try:
            value = converter.clean(raw)
        except ConversionError:
            return None
        values[raw], rendered[raw] = value, None if value is None else converter.render(value)
    return list(map(values.__getitem__, raws)), list(map(rendered.__getitem__, raws))


# --- text -----------------------------------------------------------------------------

# U+0000-U+001F and U+007F, except those Python counts as whitespace (\t \n \v \f \r, U+001C-U+001F)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def clean_text(raw: str) -> str | None:
    """Trimmed text; a control character other than whitespace is an error."""
    value = raw.strip()
    bad = None if value.isprintable() else _CONTROL.search(value)  # printable: no control character
    if bad:
        raise ConversionError(f"{shown(value)} contains the control character U+{ord(bad[0]):04X}")
    return value or None


def text_column(raws: Sequence[str]) -> Column | None:
    """`clean_text` over a column of printable values (no control character, no whitespace
    but the space: only trimmed)."""
    if not "".join(raws).isprintable():
        return None
    values = trimmed(raws)
    return values, values


def trimmed(raws: Sequence[str]) -> list:
    """The trimmed values of a printable column (None for a blank one); `strip` is called
    only when a value has a space at either end."""
    lined = "\n".join(raws)
    if lined.startswith(" ") or lined.endswith(" ") or " \n" in lined or "\n " in lined:
        return [raw.strip() or None for raw in raws]
    if all(raws):
        return list(raws)
    return [raw or None for raw in raws] if any(raws) else [None] * len(raws)


def clean_name(raw: str) -> str | None:
    """Text whose inner runs of (Unicode) whitespace collapse to one space."""
    value = raw.strip()
    if value.isprintable():  # no control character, and no whitespace but the ASCII space
        return (" ".join(value.split()) if "  " in value else value) or None
    value = clean_text(raw)
    return " ".join(value.split()) if value else None


def name_column(raws: Sequence[str]) -> Column | None:
    """`clean_name` over a column of printable values (their runs of spaces collapsed)."""
    joined = "".join(raws)
    if not joined.isprintable():
        return None
    if "  " in joined:
        values = [" ".join(raw.split()) or None for raw in raws]
    else:
        values = trimmed(raws)
    return values, values


_ZIP = re.compile(r"[0-9]+(-[0-9]{4})?")


def clean_zip(raw: str) -> str | None:
    value = raw.strip()
    if value and not _ZIP.fullmatch(value):
        raise ConversionError(f"{shown(value)} is not a zip code (digits, optional -NNNN)")
    return value or None


_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")


def clean_integer(raw: str) -> int | None:
    value = raw.strip()
    if value and not _INTEGER.fullmatch(value):
        raise ConversionError(f"{shown(value)} is not an integer")
    return int(value) if value else None


def one_of(*allowed: int) -> Callable[[str], int | None]:
    """An integer that must be one of `allowed` ("must be 1 or 2")."""
    def clean(raw: str) -> int | None:
        value = clean_integer(raw)
        if value is not None and value not in allowed:
            raise ConversionError(f"{shown(raw.strip())} must be " + " or ".join(str(a) for a in allowed))
        return value
    return clean


_BOOLEANS = {"1": True, "y": True, "true": True, "0": False, "n": False, "false": False}


def choice_of(allowed: dict[str, Any], expected: str = "") -> Callable[[str], Any]:
    """One of `allowed`'s keys (any case) -> its value; the message says `expected` (default:
    the keys)."""
    expected = expected or f"one of {', '.join(allowed)}"

    def clean(raw: str) -> Any:
        value = raw.strip()
        if not value:
            return None
        if value.lower() not in allowed:
            raise ConversionError(f"{shown(value)} is not {expected}")
        return allowed[value.lower()]
    return clean


clean_boolean = choice_of(_BOOLEANS, "a boolean (accepted: 1, 0, Y, N, true, false)")


# --- amounts --------------------------------------------------------------------------

_AMOUNT = re.compile(
    r"(?P<open>\()?(?P<lead>[-+])?\$?(?P<lead2>[-+])?"
    r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.(?P<frac>[0-9]*))?"
    r"(?P<trail>-)?(?P<close>\))?"
)
MAX_INTEGER_DIGITS = 10
_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,10}\.[0-9]{2}")  # the common case, e.g. 0000137.47


def clean_amount(raw: str) -> Decimal | None:
    """`0000137.47`, `-12.5`, `12.50-`, `(12.50)`, `$1,234.5` -> Decimal with two places."""
    value = raw.strip()
    if not value:
        return None
    if _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value) + 0  # + 0: -0.00 becomes 0.00
    match = _AMOUNT.fullmatch(value)
    signs = match and [g for g in ("open", "lead", "lead2", "trail") if match[g]]
    if (not match or not (match["int"] or match["frac"]) or bool(match["open"]) != bool(match["close"])
            or len(signs) > 1):
        raise ConversionError(f"{shown(value)} is not an amount")
    integer, fraction = match["int"].replace(",", "").lstrip("0"), match["frac"] or ""
    if len(integer) > MAX_INTEGER_DIGITS:
        raise ConversionError(f"{shown(value)} has more than {MAX_INTEGER_DIGITS} digits before the point")
    if fraction[2:].strip("0"):
        raise ConversionError(f"{shown(value)} has more than two decimals")
    amount = Decimal(f"{integer or '0'}.{fraction[:2].ljust(2, '0')}")
    negative = (match["lead"] or match["lead2"]) == "-" or bool(match["trail"] or match["open"])
    return -amount if negative and amount else amount


_PLAIN_AMOUNTS = re.compile(f"(?:(?:{_PLAIN_AMOUNT.pattern})?\n)*")  # a column, each value plain or blank
_RENDERED_AMOUNTS = re.compile(r"(?:(?:0|[1-9][0-9]{0,9})\.[0-9]{2}\n)*")  # each value as `render_amount` writes it


def amount_column(raws: Sequence[str]) -> Column | None:
    """`clean_amount` and `render_amount` over a column of plain (`_PLAIN_AMOUNT`) or blank
    values: a plain amount has two decimals, so its `str` is its rendering (and a value
    already written that way is its own)."""
    joined = "\n".join(raws) + "\n"
    if joined.count("\n") != len(raws):
        return None
    if _RENDERED_AMOUNTS.fullmatch(joined):
        return list(map(Decimal, raws)), list(raws)
    if not _PLAIN_AMOUNTS.fullmatch(joined):
        return None
    if "-" in joined:
        values = [Decimal(raw) + 0 if raw else None for raw in raws]  # + 0: -0.00 becomes 0.00
    elif all(raws):
        values = list(map(Decimal, raws))
    else:
        values = [Decimal(raw) if raw else None for raw in raws]
    if all(raws):
        return values, list(map(str, values))
    return values, [None if value is None else str(value) for value in values]


_STRICT_AMOUNT = re.compile(r"-?[0-9]*(\.[0-9]*)?")


def clean_strict_amount(raw: str) -> Decimal | None:
    """Incode "New Balance": only digits, one '.', and a leading '-'."""
    value = raw.strip()
    if value and not _STRICT_AMOUNT.fullmatch(value):
        raise ConversionError(f"{shown(value)} has characters other than digits, '.' and a leading '-'")
    return clean_amount(value)


def render_amount(value: Decimal) -> str:
    return f"{value:.2f}"


# --- dates ----------------------------------------------------------------------------

_TIME = r"(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:\s?[AaPp][Mm])?|T[0-9]{2}:[0-9]{2}:[0-9]{2})?"
_DATES = [
    (re.compile(r"(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})/(?P<y>[0-9]{4})" + _TIME), 0),
    (re.compile(r"(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})/(?P<y>[0-9]{2})" + _TIME), 2000),
    (re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})" + _TIME), 0),
    (re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})" + _TIME), 0),
]
DATE_FORMS = "MM/DD/YYYY, M/D/YYYY, MM/DD/YY, YYYY-MM-DD, YYYYMMDD"


_DATES_SEEN: dict[str, datetime.date] = {}  # a file has few distinct dates: each converted once


def clean_date(raw: str) -> datetime.date | None:
    date = _DATES_SEEN.get(raw)
    if date is not None:
        return date
    value = raw.strip()
    if not value:
        return None
    for pattern, century in _DATES:
        match = pattern.fullmatch(value)
        if match:
            try:
                date = datetime.date(century + int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
            if len(_DATES_SEEN) >= 4096:
                _DATES_SEEN.clear()
            _DATES_SEEN[raw] = date
            return date
    raise ConversionError(f"{shown(value)} is not a date (accepted: {DATE_FORMS})")


def render_us_date(value: datetime.date) -> str:
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clean_month(raw: str) -> str | None:
    """`Jan`..`Dec` (any case) or `1`..`12` (`01`..) -> `Jan`..`Dec`."""
    value = raw.strip()
    if not value:
        return None
    if re.fullmatch(r"0?[1-9]|1[0-2]", value):
        return MONTHS[int(value) - 1]
    for month in MONTHS:
        if value.casefold() == month.casefold():
            return month
    raise ConversionError(f"{shown(value)} is not a month (accepted: Jan..Dec, 1..12)")


def clean_account_without_dashes(raw: str) -> str | None:
    value = clean_text(raw)
    return value.replace("-", "") or None if value else None


def account_without_dashes_column(raws: Sequence[str]) -> Column | None:
    text = text_column(raws)
    if text is None:
        return None
    values = [value.replace("-", "") or None if value else None for value in text[0]]
    return values, values


# --- the converters the format tables use --------------------------------------------

TEXT = Converter("text", clean_text, column=text_column)
NAME = Converter("text, inner whitespace collapsed", clean_name, column=name_column)
ZIP = Converter("zip: digits, optional -NNNN", clean_zip)
INTEGER = Converter("integer", clean_integer)
BOOLEAN = Converter("boolean (1/0, Y/N, true/false)", clean_boolean)
AMOUNT = Converter("amount", clean_amount, render_amount, amount_column)
# A plain amount (`_PLAIN_AMOUNT`) passes the strict form's check: the same column path.
STRICT_AMOUNT = Converter("amount: digits, '.', leading '-' only", clean_strict_amount, render_amount,
                          amount_column)
DATE = Converter("date", clean_date, datetime.date.isoformat)
US_DATE = Converter("date rendered MM/DD/YYYY", clean_date, render_us_date)
MONTH = Converter("month: Jan..Dec (input Jan or 1..12)", clean_month)
ACCOUNT_WITHOUT_DASHES = Converter("text, every '-' removed", clean_account_without_dashes,
                                  column=account_without_dashes_column)
ADJUSTMENT_TYPE = Converter("integer 1 or 2", one_of(1, 2))


# --- strict converters: files IC writes itself (the activity CSVs, FORMATS.md 8) ------
# One form per value, no leniency: these files come from IC's own systems, not a partner's.

_OTHER_CONTROL = re.compile(r"[\x0b\x0c\x1c-\x1f]")  # controls clean_text lets through (tab, CR, LF aside)


def clean_plain_text(raw: str) -> str | None:
    """`clean_text`, and no control character at all but tab and line breaks."""
    value = clean_text(raw)
    bad = value and _OTHER_CONTROL.search(value)
    if bad:
        raise ConversionError(f"{shown(value)} contains the control character U+{ord(bad[0]):04X}")
    return value


def at_most(length: int, clean: Callable[[str], Any]) -> Callable[[str], Any]:
    """`clean` for a value of at most `length` characters (trimmed)."""
    def clean_short(raw: str) -> Any:
        if len(raw.strip()) > length:
            raise ConversionError(f"{shown(raw.strip())} is longer than {length} characters")
        return clean(raw)
    return clean_short


_UNSIGNED_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]*))?|\.([0-9]+)")


def clean_unsigned_amount(raw: str) -> Decimal | None:
    """`12.50`, `12.5`, `12`, `.5` (no sign, no thousands separator) -> Decimal with two places."""
    value = raw.strip()
    if not value:
        return None
    match = _UNSIGNED_AMOUNT.fullmatch(value)
    if not match:
        raise ConversionError(f"{shown(value)} is not an amount (e.g. 12.50)")
    whole, decimals = match[1] or "0", match[2] or match[3] or ""
    if decimals[2:].strip("0"):
        raise ConversionError(f"{shown(value)} has more than two decimals")
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise ConversionError(f"{shown(value)} has more than {MAX_INTEGER_DIGITS} digits before the point")
    return Decimal(f"{whole}.{decimals[:2].ljust(2, '0')}")


YEARS = (1900, 9998)


def in_years(value: str, parsed: Any) -> Any:
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise ConversionError(f"{shown(value)} is out of range (years {YEARS[0]}-{YEARS[1]})")
    return parsed


def clean_aware_datetime(raw: str) -> datetime.datetime | None:
    """ISO 8601 date and time with a UTC offset (`2025-03-09T23:59:59-08:00`, `...Z`) -> UTC."""
    value = raw.strip()
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ConversionError(f"{shown(value)} is not an ISO 8601 date and time "
                              f"(e.g. 2025-03-09T23:59:59-08:00)") from None
    if not re.match(r"[0-9]{4}-?[0-9]{2}-?[0-9]{2}[T ]", value):
        raise ConversionError(f"{shown(value)} has no time (expected e.g. 2025-03-09T23:59:59-08:00)")
    if parsed.tzinfo is None:
        raise ConversionError(f"{shown(value)} has no UTC offset (add e.g. -08:00 or Z)")
    return in_years(value, parsed).astimezone(datetime.timezone.utc)


def clean_iso_date(raw: str) -> datetime.date | None:
    """`YYYY-MM-DD`, optionally followed by an ISO time (ignored)."""
    value = raw.strip()
    if not value:
        return None
    try:
        if not re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:$|[T ])", value):
            raise ValueError
        if len(value) > 10:
            datetime.datetime.fromisoformat(value)
        parsed = datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise ConversionError(f"{shown(value)} is not an ISO date (YYYY-MM-DD)") from None
    return in_years(value, parsed)


MAX_WHOLE_NUMBER = 2**31 - 1


def clean_whole_number(raw: str) -> int | None:
    """Digits only (no sign), at most 2**31 - 1."""
    value = raw.strip()
    if value and not (re.fullmatch(r"[0-9]+", value) and int(value) <= MAX_WHOLE_NUMBER):
        raise ConversionError(f"{shown(value)} is not a whole number")
    return int(value) if value else None




def choices(*values: str) -> dict[str, str]:
    return {value: value for value in values}


UNSIGNED_AMOUNT = Converter("amount: digits and '.' only", clean_unsigned_amount, render_amount)
AWARE_DATETIME = Converter("ISO 8601 date and time with UTC offset", clean_aware_datetime)
ISO_DATE = Converter("date YYYY-MM-DD", clean_iso_date, datetime.date.isoformat)
WHOLE_NUMBER = Converter("whole number", clean_whole_number)
TRUE_FALSE = Converter("True or False (or 1/0)", choice_of(
    {"true": True, "1": True, "false": False, "0": False}, "True or False"))


def plain_text(length: int) -> Converter:
    return Converter(f"text, at most {length} characters", at_most(length, clean_plain_text))
