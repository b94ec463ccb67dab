"""Tyler Incode V10: the block-by-block invoice file in two variants (FORMATS.md 4) and the
V9 adjustment CSV with a header row in two variants (FORMATS.md 5.2)."""
import datetime
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import Callable, Iterable, Iterator

from .bif import INCODE_DEFAULT_BIF, add_bif, apply_bif, bif_fields
from .converters import (ACCOUNT_WITHOUT_DASHES, AMOUNT, DATE, MONTH, NAME, STRICT_AMOUNT, TEXT,
                         US_DATE, ConversionError, Converter, as_is)
from .icfile import (ADJUSTMENT_HEAD, ADJUSTMENT_HEADER, CUSTOMER_HEAD, FILE_HEADER,
                     INVOICE_HEAD, UTILITY_INVOICE)
from .compiled import (Code, add_conversions, add_rendered, dict_display, made, render_expression,
                       table_renders)
from .markers import (BILL_CODE_START, MAX_DETAILS, add_marker_reads, bill_code_amounts, bill_codes, clean_value,
                      elements, element_finder, extract, plain_element)
from .records import FileRefused, Record
from .shapes import bare_value
from .readers import Batch, Block, Row, first_row, line_ends, read_blocks, read_csv_batches
from .spec import (BatchRecords, BillCode, Column, Constant, Draft, Element, Field, FormatSpec, Markers, Run,
                   Setting, Table, column_check, read_records)

SERVICE_ADDRESS = Markers("<Address_info Ssa=", "St_no=")


def _invoice_fields(account: Converter, addresses: tuple, extra: tuple, details: tuple) -> tuple:
    fields = (
        *FILE_HEADER,
        *INVOICE_HEAD,
        Field("InvoiceNumber", 10, "IH", rule="YYYYMMDD of InvoiceDate + 'UB' + AccountNumber (as output)"),
        Field("InvoiceDate", 11, "IH", Markers("Bill_dt=", "Drft_dt="), DATE, required=True),
        Field("InvoiceDueDate", 12, "IH", Markers("Due_dt=", "Bill_dt="), DATE, required=True),
        Field("TotalAmountDue", 13, "IH", Markers("Due=", "Pen="), AMOUNT, required=True),
        Field("InvoiceTypeID", 252, "IH", Setting("invoice_type_id"),
              rule="the biller's InvoiceTypeID for the format (default 42)"),
        Field("PastDue", 407, "IH", Markers("arrear", "Age_1="), AMOUNT, rule="amount (leading zeros dropped)"),
        Field("Custom10", 47, "IH", SERVICE_ADDRESS, NAME, rule="service address"),
        Field("BalanceDue", 93, "IH", Markers("Due=", "Pen="), AMOUNT),
        Field("LateFeeAmount", 186, "IH", Markers("T_pens", "arrear="), AMOUNT),
        Field("LateFeeDate", 187, "IH", Markers("Pen_dt", "CutOff_dt="), DATE,
              rule="date; absent or blank: the BIF LateFeeDate rule (InvoiceDueDate + 1 day)"),
        *extra,
        *CUSTOMER_HEAD,
        Field("AccountNumber", 59, "CR", Markers("Account No=", "Name="), account, required=True),
        Field("CustomerName", 60, "CR", Markers("Name=", "Status="), NAME, required=True),
        *addresses,
        Field("City", 63, "CR", Markers("B_city=", "B_st="), NAME),
        Field("State", 64, "CR", Markers("B_st=", "B_zip="), NAME),
        Field("Zip", 65, "CR", Markers("B_zip=", "/><Bill_det"), TEXT),
        *UTILITY_INVOICE,
        *details,
    )
    return fields + bif_fields(fields)


SKIP_LANDLORD_CUSTOM = (
    Field("Custom11", 94, "IH", rule="long digit line: account without '-', BalanceDue in cents "
                                     "times ten padded to 13 and to 12 digits"),
    Field("Custom12", 95, "IH", Markers("Svc_pr_read_date=", "Svc_cr_read_date="), US_DATE, conditional=True),
    Field("Custom13", 96, "IH", Markers("Svc_cr_read_date", "Prorated="), US_DATE, conditional=True),
    Field("Custom14", 97, "IH", Markers("L_b_amt=", "T_pmts="), AMOUNT, rule="amount text (previous balance)"),
    Field("Custom15", 98, "IH", Markers("L_p_amt=", "L_b_amt="), AMOUNT, rule="amount text (previous payments)"),
    Field("Custom16", 99, "IH", Markers("T_amp_adjs=", "T_pens="), AMOUNT, rule="amount text (adjustments)"),
    Field("Custom17", 100, "IH", BillCode("WATER"), AMOUNT, conditional=True),
    Field("Custom18", 101, "IH", BillCode("KC WATER - RENT"), AMOUNT, conditional=True),
    Field("Custom19", 102, "IH", BillCode("SERVICE/WATER BASE"), AMOUNT, conditional=True),
    Field("Custom20", 103, "IH", Markers("arrear", "Age_1="), AMOUNT, rule="amount text (past due)"),
    Field("Custom21", 104, "IH", BillCode("BILLING CHARGE"), AMOUNT, conditional=True),
    Field("Custom22", 105, "IH", BillCode("STREET LIGHTS"), AMOUNT, conditional=True),
    Field("Custom23", 106, "IH", Markers("B_a1", "B_a2="), NAME, rule="billing address 1"),
    Field("Custom24", 107, "IH", Markers("B_a2", "B_city="), NAME, rule="billing address 2"),
)
DETAIL_KINDS = {"Usage": "Monthly Usage Data", "Meter": "Meter Data", "Tier": "Tier Data"}
DETAILS = (
    Field("CustomField1", 83, "ID", Element("Usage", "Month"), MONTH),
    Field("CustomField2", 84, "ID", Element("Usage", "Qty"), TEXT, rule="quantity as written"),
    Field("CustomField3", 85, "ID", Element("Meter", "Number"), TEXT),
    Field("CustomField4", 86, "ID", Element("Meter", "Cur_read"), TEXT),
    Field("CustomField5", 87, "ID", Element("Meter", "Prv_read"), TEXT),
    Field("CustomField6", 88, "ID", Element("Meter", "Usage"), TEXT),
    Field("CustomField7", 89, "ID", Element("Tier", "Name"), NAME),
    Field("CustomField8", 90, "ID", Element("Tier", "Units"), TEXT),
    Field("CustomField9", 91, "ID", Element("Tier", "Total"), AMOUNT),
)
BILLING_ADDRESS = ("use_billing_address", True)
SERVICE = ("use_billing_address", False)

SKIP_LANDLORD_FIELDS = _invoice_fields(
    ACCOUNT_WITHOUT_DASHES,
    (Field("Address1", 61, "CR", SERVICE_ADDRESS, NAME, rule="service address"),
     Field("Address2", 62, "CR", Constant(None))),
    SKIP_LANDLORD_CUSTOM, DETAILS)
INCLUDE_DASHES_FIELDS = _invoice_fields(
    TEXT,
    (Field("Address1", 61, "CR", SERVICE_ADDRESS, NAME, when=SERVICE, rule="service address"),
     Field("Address1", 61, "CR", Markers("B_a1", "B_a2="), NAME, when=BILLING_ADDRESS,
           rule="billing address 1 (#131 UseBillingAddress)"),
     Field("Address2", 62, "CR", Constant(None), when=SERVICE),
     Field("Address2", 62, "CR", Markers("B_a2", "B_city="), NAME, when=BILLING_ADDRESS,
           rule="billing address 2 (#131 UseBillingAddress)")),
    (), ())


def block_readers(table: Table) -> list[tuple]:
    """The table's sources compiled once per parse: (True, begin, end) for a marker pair,
    (False, description, None) for a bill code, in `table.reads` order."""
    return [(True, s.begin, s.end) if isinstance(s, Markers) else (False, s.description, None)
            for s in table.sources]


def raws_from_block(block: str, readers: list[tuple]) -> list:
    """The raw values of one block in `block_readers` order (a ConversionError for a source
    that could not be read); bill codes are scanned only when the table has one."""
    raws, codes = [], None
    for is_marker, begin, end in readers:
        try:
            if is_marker:
                raws.append(extract(block, begin, end))
            else:
                if codes is None:
                    codes = bill_codes(block)
                raws.append(bill_code_amounts(codes, begin))
        except ConversionError as exc:
            raws.append(exc)
    return raws


def read_invoices(spec: FormatSpec, chunks: Iterable[str], run: Run, skip_landlord: bool,
                  fast: bool = True) -> Iterator[Record]:
    """One record per block; a block is read by the fast path when it decides, else field by
    field (`fast=False`: always field by field, the same records, only slower: tests compare)."""
    tables = InvoiceTables(spec, run)
    read_fast = fast_invoice_reader(tables, run) if fast else lambda block: None
    marker = run.config.landlord_marker
    for block in read_blocks(chunks):
        if skip_landlord and marker and block.text and marker in block.text and not block.error:
            yield run.skip(block.line, "landlord invoice", block.last_line)
            continue
        record = read_fast(block) if block.text is not None and not block.error else None
        yield record or read_invoice(block, tables, run)


class InvoiceTables:
    """The field tables of an invoice format, compiled once per parse."""

    def __init__(self, spec: FormatSpec, run: Run):
        self.header, self.customer, detail = (spec.table(kind, run.config) for kind in ("IH", "CR", "ID"))
        self.header_names = {f.name for f in self.header}
        self.read = Table(self.header + self.customer, run.config)
        self.first_detail = Table([f for f in detail if not isinstance(f.source, Element)], run.config)
        self.elements = detail_tables([f for f in detail if isinstance(f.source, Element)], run)
        self.readers = block_readers(self.read)


def read_invoice(block: Block, tables: InvoiceTables, run: Run) -> Record:
    """One invoice block read field by field (the general path: every error reported)."""
    draft = Draft(block.line, block.error, block.last_line)
    if block.text is not None:
        draft.fill_raws(tables.read, raws_from_block(block.text, tables.readers), run)
    apply_rules(draft, tables.header_names)
    apply_bif(draft, run.config.bif)
    run.note_duplicate(draft, "InvoiceNumber")
    details = [draft.render(tables.first_detail, run)]
    if block.text is not None and tables.elements:
        details += detail_records(draft, block, tables.elements, run)
    return run.finish(draft, AMOUNT_FIELD, invoice=draft.render(tables.header, run),
                      customer=draft.render(tables.customer, run), details=details)


def fast_invoice_reader(tables: InvoiceTables, run: Run) -> Callable[[Block], Record | None]:
    """The fast path of a block (ingest.formats.compiled): the record `read_invoice` gives
    when the block has no error at all, or None (then `read_invoice` reads it). One
    function compiled from the field tables per parse, from the block's text to the
    record: markers read, values converted and rendered (both kept per raw text), rules,
    BIF, detail elements, the duplicate check. Nothing of the run changes until the
    record is decided."""
    def build():
        code = Code()
        code.names.update(clean_value=clean_value, Record=Record)
        code.setup.append("first_line, add = run.first_line, run.tally.add")
        code.add(0, "def make(run, details_of):", "    def read_fast(item):", "        block = item.text",
                 "        find = block.find", "        try:")
        read, renders = tables.read, table_renders(tables.header, tables.customer)
        required = {source for (_, _, needed, _, _, source) in read.reads if needed and not isinstance(source, BillCode)}
        later = (BILL_CODE_START, *(f"<{tag}" for tag in tables.elements))  # searched from `after`
        raws = add_marker_reads(code, read.sources, required, 3, scans=bool(tables.elements), later=later)
        pairs = add_conversions(code, read, raws, 3, clean_value, renders,
                                bare=bare_value if any(isinstance(s, Markers) for s in read.sources) else None)
        for number, (name, rule, arguments) in enumerate(RULES):
            if name in tables.header_names:
                arguments = ", ".join(pairs.get(argument, ("None",))[0] for argument in arguments)
                pair = pairs[name] = f"rule{number}", f"rule{number}_text"
                code.add(3, f"{pair[0]} = {code.name(rule, 'rule')}({arguments})")
                add_rendered(code, 3, pair, renders.get(name, as_is))
        add_bif(code, 3, run.config.bif, pairs, renders)
        code.add(2, "except ConversionError:", "    return None")
        text_of = (lambda name: pairs[name][1] if name in pairs else "None")
        code.add(2, f"details = [{render_expression(code, tables.first_detail, text_of)}]")
        if tables.elements:
            code.add(2, "if not details_of(block, details, after):", "    return None")
        number, amount = (pairs.get(name, ("None",))[0] for name in ("InvoiceNumber", AMOUNT_FIELD))
        code.add(2, "line = item.line", f"if first_line('InvoiceNumber', {number}, line) is not None:",
                 "    return None  # a duplicate: `read_invoice` reports it (the first line is kept as it was)",
                 f"record = Record(line, 'ok', None, [], {render_expression(code, tables.header, text_of)}, "
                 f"{render_expression(code, tables.customer, text_of)}, details, None, item.last_line or line)",
                 f"add(record, {amount})", "return record")
        code.add(1, "return read_fast")
        return code.build("fast path of an Incode block")
    key = ("incode block", tuple(tables.read), tuple(tables.header), tuple(tables.customer),
           tuple(tables.first_detail), run.config)
    detail_of = {tag: detail_function(tag, table, run) for tag, table in tables.elements.items()}
    return made(key, build)(run, details_function(detail_of))


def details_function(detail_of: dict[str, Callable]) -> Callable[[str, list], bool]:
    """`detail_records` for a block whose detail elements are all plain and without error:
    appends their records to `details` (grouped by kind in `detail_of` order, each kind in
    block order) and says whether it could (False: `detail_records` decides); the elements
    are searched from `after` (the block has none before). The record of an element's text
    is kept for the parse (a copy is given each time)."""
    tags = tuple(detail_of)
    rank = {tag: number for number, tag in enumerate(tags)}
    kept: dict[str, tuple[int, dict]] = {}  # element text -> (its tag's rank, its record)
    texts_of = element_finder(tags)

    def details_of(block: str, details: list, after: int = 0) -> bool:
        texts = texts_of(block, after)
        if len(texts) > MAX_DETAILS:
            return False
        records, last, ordered = [], 0, True
        for text in texts:
            known = kept.get(text)
            if known is None:
                element = plain_element(text, tags)
                if element is None:
                    return False
                detail = detail_of[element[0]](element[1])
                if detail is None:
                    return False
                known = rank[element[0]], detail
                if len(kept) < KEPT:
                    kept[text] = known
            if known[0] < last:
                ordered = False
            last = known[0]
            records.append(known)
        if not ordered:
            records.sort(key=itemgetter(0))  # stable: block order within a kind
        for _, detail in records:
            details.append(detail.copy())
        return True
    return details_of


def detail_function(tag: str, table: Table, run: Run) -> Callable[[dict], dict | None]:
    """`detail_records`' reading of one element compiled: attributes -> its ID record, or
    None when it would have an error."""
    def build():
        code = Code()
        code.add(0, "def make(run):", "    def detail(attributes):", "        get = attributes.get", "        try:")
        raws = [f"a{index}" for index in range(len(table.sources))]
        code.add(3, *(f"{raw} = get({source.attribute!r})" for raw, source in zip(raws, table.sources)))
        pairs = add_conversions(code, table, raws, 3, renders=table_renders(table))
        code.add(2, "except ConversionError:", "    return None")
        parts = {"RowType": "'ID'", "Description": repr(DETAIL_KINDS[tag])}
        rendered = render_expression(code, table, lambda name: pairs[name][1] if name in pairs else "None")
        code.add(2, f"return {{{dict_display(parts)[1:-1]}, {rendered[1:-1]}}}")  # one dict display
        code.add(1, "return detail")
        return code.build(f"<{tag}> detail")
    return made(("incode detail", tag, tuple(table), table.config), build)(run)


AMOUNT_FIELD = "TotalAmountDue"  # the amount an invoice adds to the file's total


def invoice_number(account: str | None, date: datetime.date | None) -> str | None:
    """`20210630UB10100262501` for account 10100262501 and invoice date 2021-06-30."""
    return f"{day_digits(date)}UB{account}" if account and date else None


KEPT = 4096  # texts kept per memo below (a file has few distinct dates and balances)
_DAY_DIGITS: dict = {}
_BALANCE_DIGITS: dict = {}


def day_digits(date: datetime.date) -> str:
    """`20210630` for 2021-06-30."""
    text = _DAY_DIGITS.get(date)
    if text is None:
        text = f"{date.year:04d}{date.month:02d}{date.day:02d}"
        if len(_DAY_DIGITS) < KEPT:
            _DAY_DIGITS[date] = text
    return text


def long_digit_line(account: str | None, balance: Decimal | None) -> str | None:
    """`10100262501 0000000262110 000000262110` for account 10-1002-62501, balance 262.11."""
    if account is None or balance is None:
        return None
    digits = _BALANCE_DIGITS.get(balance)
    if digits is None:
        tenths_of_cents = str(max(int(balance * 100), 0) * 10)
        digits = f"{tenths_of_cents.zfill(13)} {tenths_of_cents.zfill(12)}"
        if len(_BALANCE_DIGITS) < KEPT:
            _BALANCE_DIGITS[balance] = digits
    return f"{account.replace('-', '')} {digits}"


# The values the format's rules set (FORMATS.md 4.1, 4.3), each from the values of the
# named fields, when the field is in the invoice table; the LateFeeDate fallback is the
# biller's BIF rule (`apply_bif`).
RULES = (("InvoiceNumber", invoice_number, ("AccountNumber", "InvoiceDate")),
         ("Custom11", long_digit_line, ("AccountNumber", "BalanceDue")))


def apply_rules(draft: Draft, fields: set[str]) -> None:
    """The `RULES` of the fields in `fields`, in order."""
    values = draft.values
    for name, rule, arguments in RULES:
        if name in fields:
            values[name] = rule(*map(values.get, arguments))


def detail_tables(fields: list[Field], run: Run) -> dict[str, Table]:
    """The table of each detail kind that has fields, in DETAIL_KINDS order."""
    return {tag: Table([f for f in fields if f.source.tag == tag], run.config)
            for tag in DETAIL_KINDS if any(f.source.tag == tag for f in fields)}


def detail_records(draft: Draft, block: Block, tables: dict[str, Table], run: Run) -> list[dict]:
    """One ID record per Usage, Meter and Tier element, in that order (FORMATS.md 4.5); at
    most `MAX_DETAILS` elements are read, more make the record an error."""
    found: dict[str, list] = {tag: [] for tag in tables}
    scanned = elements(block.text, tuple(found))
    lines = LineCounter(block.text, block.line)
    for tag, offset, attributes in scanned.read:
        found[tag].append((lines.at(offset), attributes))
    if scanned.first_unread is not None:
        draft.error(None, f"{scanned.total} detail elements (<Usage>, <Meter>, <Tier>): at most {MAX_DETAILS} "
                          f"are read per invoice; the {scanned.total - MAX_DETAILS} from line "
                          f"{lines.at(scanned.first_unread)} on are not read")
    records = []
    for tag, located in found.items():
        table = tables[tag]
        for line, attributes in located:
            element = Draft(draft.line)
            if isinstance(attributes, str):
                element.error("Description", attributes)
            else:
                element.fill(table, lambda source: attributes.get(source.attribute), run)
            for error in element.errors:
                draft.error(error.field, f"<{tag}> on line {line}: {error.message}")
            records.append({"RowType": "ID", "Description": DETAIL_KINDS[tag], **element.render(table, run)})
    return records


class LineCounter:
    """Physical line numbers of offsets given in increasing order, counting each line end once."""

    def __init__(self, text: str, first_line: int):
        self.text, self.offset, self.line = text, 0, first_line

    def at(self, offset: int) -> int:
        self.line += line_ends(self.text, self.offset, offset)
        self.offset = offset
        return self.line


# --- adjustments (V9 CSV with a header row) --------------------------------------------

@column_check(lambda values: all(values) and "-" not in (digits := "".join(values)) and digits.isascii()
              and digits.isdigit())
def numeric(value: str, run: Run) -> str | None:
    """The IsNumeric check: digits once every '-' is removed."""
    digits = value.replace("-", "")
    return None if digits.isascii() and digits.isdigit() else "is not numeric"


def account_with_dashes(value: str, run: Run) -> str | None:
    if not all(c.isascii() and (c.isalnum() or c in "-#") for c in value):
        return "has characters other than letters, digits, '-' and '#'"
    return None if run.config.skip_numeric_check else numeric(value, run)


def _adjustment_fields(account: Converter, check, rule: str) -> tuple:
    return (
        *ADJUSTMENT_HEADER,
        *ADJUSTMENT_HEAD,
        Field("AccountNumber", 313, "AR", Column("Formatted Account Number"), account, required=True,
              check=check, rule=rule),
        Field("AdjustmentAmount", 314, "AR", Column("New Balance"), STRICT_AMOUNT, required=True,
              blank=Decimal("0.00"), rule="only digits, one '.', a leading '-'; blank: 0.00"),
        Field("AdjustmentTypeID", 316, "AR", Constant(2), rule="always 2 (balance differential)"),
    )


def read_adjustments(spec: FormatSpec, chunks: Iterable[str], run: Run) -> Iterator[Record]:
    table = spec.table("AR", run.config)
    header, rows = first_row(read_csv_batches(chunks))
    if header is None:
        raise FileRefused("no header row")
    if header.error or header.last_line != header.line:
        raise FileRefused(f"line {header.line}: the header row is not valid CSV: "
                          f"{header.error or f'a quoted name runs over lines {header.line}-{header.last_line}'}")
    index: dict[str, int] = {}
    for position, name in enumerate(header.fields):
        index.setdefault(name.strip().casefold(), position)
    for f in spec.fields:
        if isinstance(f.source, Column) and f.source.name.casefold() not in index:
            raise FileRefused(f"the header row has no '{f.source.name}' column")

    positions = [index[source.name.casefold()] for source in table.sources]  # in `table.reads` order

    def row_record(row: Row) -> Record:
        draft = Draft(row.line, row.error, row.last_line)
        fields, width = row.fields, len(row.fields)
        draft.fill_raws(table, [fields[p] if p < width else None for p in positions], run)
        run.note_duplicate(draft, "AccountNumber")
        return run.finish(draft, "AdjustmentAmount", adjustment=draft.render(table, run))

    def batch_records(batch: Batch) -> Iterator[Record]:
        return records.read(batch, table, positions, run, "AccountNumber", "AdjustmentAmount")

    records = BatchRecords(adjustment=table)
    yield from read_records(rows, batch_records, row_record)


# The invoice file's catalogue entry: .xml, tab-separated fields inside pseudo-XML blocks.
PSEUDO_XML = dict(extension="xml", delimiter="tab (pseudo-XML, read block by block)")

FORMATS = (
    FormatSpec("incode.invoice.skip_landlord", "invoice", "incode",
               "InCode_UB_Invoice_Upload_SkipLandlordInvoices", SKIP_LANDLORD_FIELDS,
               partial(read_invoices, skip_landlord=True), default_invoice_type_id=42,
               default_bif=INCODE_DEFAULT_BIF, naming="UB_Bills_YYYYMMDD*.xml", **PSEUDO_XML),
    FormatSpec("incode.invoice.include_dashes", "invoice", "incode",
               "IF_InCode - Utility Invoice Upload - Include Dashes in Account Number",
               INCLUDE_DASHES_FIELDS, partial(read_invoices, skip_landlord=False), default_invoice_type_id=42,
               default_bif=INCODE_DEFAULT_BIF, naming="UB_Bills_Dashes_YYYYMMDD*.xml", **PSEUDO_XML),
    FormatSpec("incode.adjustment", "adjustment", "incode", "IF_InCode UB Adjustment - CSV With Header",
               _adjustment_fields(ACCOUNT_WITHOUT_DASHES, numeric, "every '-' removed; must be digits"),
               read_adjustments, naming="UB_Adjustments_YYYYMMDD*.csv"),
    FormatSpec("incode.adjustment.include_dashes", "adjustment", "incode",
               "IF_InCode UB Adjustment - CSV With Header - Include Dashes",
               _adjustment_fields(TEXT, account_with_dashes, "kept as written (letters, digits, '-', '#'); "
                                  "digits once '-' removed unless #131 SkipNumericCheck"),
               read_adjustments, naming="UB_Adjustments_Dashes_YYYYMMDD*.csv"),
)
