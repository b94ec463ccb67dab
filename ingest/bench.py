"""The performance benchmark behind `manage.py bench`: generated partner files of N records,
parsed, imported by the peers (django-import-export, a hand bulk upsert) and taken through
the portal's pipeline on the configured database, with the figures named as in issue 11.

Targets live here, not in timed tests: the command prints throughput so that a change can
be compared run against run on the same machine.
"""
import csv
import datetime
import os
import resource
import tempfile
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import connection
from django.test import Client
from django.urls import reverse

from billers.models import Biller, BillerFileFormat, FileFormat
from ingest import pipeline
from ingest.formats import ParseConfig, parse
from ingest.formats.readers import open_text, read_blocks
from ingest.models import Load
from ledger.models import Account, Invoice


@dataclass
class Measurement:
    step: str
    records: int
    seconds: float
    peak_rss_mb: float
    notes: dict = field(default_factory=dict)

    @property
    def per_second(self):
        return self.records / self.seconds if self.seconds else 0.0

    def to_json(self):
        return {**asdict(self), "records_per_second": round(self.per_second)}


def peak_rss_mb():
    """The process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_watersmart_invoices(path, rows, cents_offset=0, invoice_type_id=1):
    """A WaterSmart invoice file of `rows` valid invoices (deterministic); another
    `cents_offset` gives the same invoices with other amounts (a next day's file); another
    `invoice_type_id` makes every row an error (for the error report)."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("AccountNumber,CustomerName,Address1,Address2,City,State,Zip,InvoiceDate,InvoiceDueDate,"
                  "TotalAmountDue,PastDue,InvoiceNumber,InvoiceTypeID,BlockPaymentsCC,BlockPaymentsEFT,"
                  "DisplayAccountNumber\r\n")
        for n in range(rows):
            amount = f"{((n * 37) % 100000 + cents_offset) / 100:.2f}"
            out.write(f'{100000 + n},"Customer {n}, Jr.",{n} Main St,,Fresno,CA,93701,01/15/2025,02/05/2025,'
                      f"{amount},0.00,{5000000 + n},{invoice_type_id},0,0,\r\n")


def write_incode_invoices(path, blocks):
    """A Tyler Incode pseudo-XML invoice file of `blocks` valid <account> blocks."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<Incode_UB_Bills run="2021-06-30">\n')
        for n in range(blocks):
            account = f"10-{n // 100000:04d}-{n % 100000:05d}"
            out.write(
                f'<account>\n<Acct_info Account No="{account}" Name="CUSTOMER {n}" Status="A"/>\n'
                f'<Bill_info Due_dt="07/15/2021" Bill_dt="06/30/2021" Drft_dt="" Due="0000{n % 1000:03d}.11" '
                f'Pen="0000001.00" Pen_dt="07/16/2021" CutOff_dt="07/30/2021"/>\n'
                f'<Hist_info L_p_amt="0000050.00" L_b_amt="0000050.00" T_pmts="0000050.00" T_amp_adjs="0000000.00" '
                f'T_pens="0000000.00" arrear="0000000.00" Age_1="0000000.00"/>\n'
                f'<Address_info Ssa="{n} MAIN ST" St_no="{n}" B_a1="PO BOX {n}" B_a2="" B_city="KANSAS CITY" '
                f'B_st="MO" B_zip="64101"/><Bill_det>\n'
                f"<BillCode><BillCodeDescription>WATER</BillCodeDescription><Amount>0000045.67</Amount></BillCode>\n"
                f'</Bill_det>\n<Usage Month="Jan" Qty="00010300"/>\n'
                f'<Meter Number="{n}" Cur_read="10450" Prv_read="10200" Usage="250"/>\n</account>\n')
        out.write("</Incode_UB_Bills>\n")


def write_unclosed_usage(path, elements):
    """A hostile Incode file (issue 10): one <account> block of `elements` unclosed <Usage>."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("<account>\n")
        out.writelines('<Usage Month="Jan">\n' for _ in range(elements))
        out.write("</account>\n")


def run_hostile(rows, workdir=None):
    """Parse the hostile file of `rows` elements: one record, in time linear in `rows`."""
    with tempfile.TemporaryDirectory(prefix="icportal-bench-", dir=workdir) as tmp:
        path = Path(tmp) / "bench-hostile.dat"
        write_unclosed_usage(path, rows)
        measurement = bench_parse("incode.invoice.skip_landlord", path, all_ok=False)
    measurement.step = f"parse one block of {rows} unclosed <Usage>"
    return [measurement]


def write_incode_adjustments(path, rows):
    """A Tyler Incode V9 adjustment CSV (with its header row) of `rows` valid adjustments."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("Customer Name,Formatted Account Number,Service Address,New Balance\r\n")
        for n in range(rows):
            out.write(f'"CUSTOMER {n}, JR",10-{n // 100000:04d}-{n % 100000:05d},{n} MAIN ST,'
                      f"{((n * 37) % 100000) / 100:.2f}\r\n")


GENERATORS = {
    "watersmart.invoice": write_watersmart_invoices,
    "incode.invoice.skip_landlord": write_incode_invoices,
    "incode.adjustment": write_incode_adjustments,
}


def bench_parse(code, path, config=None, all_ok=True):
    """Parse a file record by record (as staging does) and measure it; with `all_ok`, a
    record that is not ok means the generated file is wrong (RuntimeError)."""
    started = time.perf_counter()
    result = parse(code, lambda: open(path, "rb"), config or ParseConfig(file_creation_date=datetime.date.today()))
    count = 0
    for _record in result.records():
        count += 1
    seconds = time.perf_counter() - started
    summary = result.summary
    if summary["records"] != count or (all_ok and summary["ok"] != count):
        raise RuntimeError(f"bench file of {code}: {count} records read, summary {summary}")
    return Measurement(f"parse {code}", count, seconds, peak_rss_mb(),
                       {"ok": summary["ok"], "error": summary["error"], "file_mb": round(os.path.getsize(path) / 2**20, 1)})


PARSED = tuple(GENERATORS)  # parse_rps: one figure per inbound format code
AMOUNT_COLUMNS = (9, 10)  # TotalAmountDue, PastDue in a WaterSmart invoice row (0-based)
DJE_MAX_ROWS = 10_000


def floor_csv(path):
    """The floor of a WaterSmart parse: a bare `csv.reader` + `Decimal` on the amount columns."""
    started, count = time.perf_counter(), 0
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        for row in rows:
            for column in AMOUNT_COLUMNS:
                Decimal(row[column])
            count += 1
    return count / (time.perf_counter() - started)


def floor_blocks(path):
    """The floor of an Incode parse: the file decoded and split into its `<account>` blocks by
    the parser's own streaming reader (line numbers kept), no field extraction."""
    started = time.perf_counter()
    count = sum(1 for _block in read_blocks(open_text(lambda: open(path, "rb")).chunks()))
    return count / (time.perf_counter() - started)


def account_rows(path, limit=None):
    """The account columns of a WaterSmart invoice file, as a dict per row."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        for index, row in enumerate(rows):
            if limit is not None and index >= limit:
                return
            yield {"account_number": row[0], "customer_name": row[1], "address1": row[2], "address2": row[3],
                   "city": row[4], "state": row[5], "zip": row[6], "display_account_number": row[15]}


def dje_import(biller, path, rows):
    """django-import-export's default import: a ModelResource on Account keyed on biller and
    account number, a dry run then the confirmed import (as its admin does)."""
    # imported here, not above: the pipeline's figures are measured first, before the peers'
    # libraries raise the process's peak memory
    import tablib
    from import_export import resources

    class AccountResource(resources.ModelResource):
        class Meta:
            model = Account
            import_id_fields = ("biller", "account_number")
            fields = ("biller", "account_number", "customer_name", "address1", "address2", "city", "state", "zip",
                      "display_account_number")

    records = [{"biller": biller.pk, **row} for row in account_rows(path, rows)]
    dataset = tablib.Dataset(headers=list(records[0]))
    for record in records:
        dataset.append(list(record.values()))
    started = time.perf_counter()
    for dry_run in (True, False):
        result = AccountResource().import_data(dataset, dry_run=dry_run, raise_errors=True)
        if result.has_errors() or result.has_validation_errors():
            raise RuntimeError("django-import-export refused the bench rows")
    return len(records) / (time.perf_counter() - started)


def bulk_floor(biller, path, batch=5_000):
    """The floor of a load: a hand `csv.reader` + `bulk_create(update_conflicts=True)` of new accounts."""
    names = ["customer_name", "address1", "address2", "city", "state", "zip", "display_account_number"]
    started, count, pending = time.perf_counter(), 0, []
    for row in account_rows(path):
        pending.append(Account(biller=biller, **row))
        if len(pending) == batch:
            count += _upsert(Account, pending, names)
            pending = []
    count += _upsert(Account, pending, names)
    return count / (time.perf_counter() - started)


def _upsert(model, objects, names):
    model.objects.bulk_create(objects, update_conflicts=True, unique_fields=["biller", "account_number"],
                              update_fields=names)
    return len(objects)


def reset_peak_rss():
    """Start a new peak-memory window (Linux: /proc/self/clear_refs); False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def window_peak_rss_mb():
    """The peak resident memory since `reset_peak_rss()` (VmHWM)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise OSError("no VmHWM in /proc/self/status")


@dataclass
class Chain:
    seconds: float  # upload -> parse -> stage -> preview -> approve -> load
    load_seconds: float
    peak_rss_mb: float | None


def run_chain(biller, user, path):
    """One file through the functions the admin uses: upload, parse and stage (with its
    preview), approve, load. The peak memory counts these steps only."""
    measured = reset_peak_rss()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        load = pipeline.upload(biller, "watersmart.invoice", File(handle, name=Path(path).name), user)
    pipeline.parse_load(load.pk, user.pk)
    load.refresh_from_db()
    if load.status != "parsed" or load.error_count:
        raise RuntimeError(f"bench load {load.pk} ended {load.status} with {load.error_count} errors: {load.failure}")
    pipeline.approve(load, user)
    loading = time.perf_counter()
    pipeline.run_load(load.pk, user.pk)
    ended = time.perf_counter()
    load.refresh_from_db()
    if load.status != "loaded":
        raise RuntimeError(f"bench load {load.pk} ended {load.status}: {load.failure}")
    return Chain(ended - started, ended - loading, window_peak_rss_mb() if measured else None)


STEPS = ("parse", "floors", "pipeline N/10", "pipeline new", "pipeline updated", "django-import-export", "bulk floor")


def run(rows, progress=lambda step: None, workdir=None):
    """Every figure of `manage.py bench` that can be measured, as the issue names them
    (docs: BENCHMARKS.md). `progress(step)` is called as each of `STEPS` starts."""
    report = {"parse_rps": {}}
    with tempfile.TemporaryDirectory(prefix="icportal-bench-", dir=workdir) as tmp:
        paths = {code: Path(tmp) / f"bench-{code}.dat" for code in PARSED}
        progress("parse")
        for code, path in paths.items():
            GENERATORS[code](path, rows)
            report["parse_rps"][code] = round(bench_parse(code, path).per_second)
        progress("floors")
        report["floor_csv_rps"] = round(floor_csv(paths["watersmart.invoice"]))
        report["floor_blocks_rps"] = round(floor_blocks(paths["incode.invoice.skip_landlord"]))
        report.update(_database_figures(rows, paths["watersmart.invoice"], Path(tmp), progress))
    report["speedup_vs_dje"] = round(report["e2e_new_rps"] / report["dje_rps"], 2)
    report["e2e_vs_floor"] = round(report["e2e_new_rps"] / report["bulk_floor_rps"], 3)
    report["rows"] = rows
    report["database"] = connection.vendor
    return report


def _database_figures(rows, path, tmp, progress):
    """The pipeline first (its peak memory is not raised by the peers' imports), then the peers."""
    figures = {}
    biller, user = _bench_biller_and_user()
    try:
        progress("pipeline N/10")
        tenth = tmp / "bench-tenth.csv"
        write_watersmart_invoices(tenth, max(rows // 10, 1))
        peak_tenth = run_chain(biller, user, tenth).peak_rss_mb
    finally:
        _remove_bench_data(biller, user)
    biller, user = _bench_biller_and_user()
    try:
        progress("pipeline new")
        new = run_chain(biller, user, path)
        progress("pipeline updated")
        updated_path = tmp / "bench-updated.csv"
        write_watersmart_invoices(updated_path, rows, cents_offset=1)
        updated = run_chain(biller, user, updated_path)
    finally:
        _remove_bench_data(biller, user)
    biller, user = _bench_biller_and_user()
    try:
        progress("django-import-export")
        figures["dje_rps"] = round(dje_import(biller, path, min(rows, DJE_MAX_ROWS)))
        Account.objects.filter(biller=biller).delete()
        progress("bulk floor")
        figures["bulk_floor_rps"] = round(bulk_floor(biller, path))
    finally:
        _remove_bench_data(biller, user)
    figures.update(e2e_new_rps=round(rows / new.seconds), e2e_update_rps=round(rows / updated.seconds),
                   load_new_rps=round(rows / new.load_seconds))
    if new.peak_rss_mb is not None and peak_tenth is not None:
        figures.update(peak_rss_mb=round(new.peak_rss_mb), peak_rss_mb_tenth=round(peak_tenth))
    return figures


def run_downloads(rows, workdir=None):
    """The error report of a file of `rows` error records and the IC standard file of `rows`
    ok records, read through the admin's download view as a browser would (issue 10: a big
    download must never reach a web timeout): [Measurement, Measurement]."""
    measurements = []
    biller, user = _bench_biller_and_user()
    try:
        with tempfile.TemporaryDirectory(prefix="icportal-bench-", dir=workdir) as tmp:
            for label, what, type_id in (("error report", "errors", 9), ("IC standard file", "ic", 1)):
                path = Path(tmp) / f"bench-{what}.csv"
                write_watersmart_invoices(path, rows, invoice_type_id=type_id)
                with open(path, "rb") as handle:
                    load = pipeline.upload(biller, "watersmart.invoice", File(handle, name=path.name), user)
                pipeline.parse_load(load.pk, user.pk)
                measurements.append(bench_download(label, load, what))
    finally:
        _remove_bench_data(biller, user)
    return measurements


BENCH_BILLER = "bench-watersmart"


def bench_download(label, load, what):
    """Read a load's download as a browser would: a GET of the admin's download URL (by its
    name), logged in as the bench's user, through the middleware and the permission check,
    the body streamed."""
    load.refresh_from_db()
    client = Client()
    client.force_login(load.uploaded_by)  # the bench's superuser
    url = reverse(f"admin:ingest_load_download_{what}", args=[load.pk])
    started = time.perf_counter()
    response = client.get(url, secure=True, headers={"host": _allowed_host()})
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - started
    rows = load.error_count if what == "errors" else load.ok_count
    return Measurement(f"download {label}", rows, seconds, peak_rss_mb(),
                       {"mb": round(size / 2**20, 1), "mb_per_second": round(size / 2**20 / seconds, 1)})


def _allowed_host():
    """A host name the portal accepts (ALLOWED_HOSTS), for the bench's requests."""
    host = next(iter(settings.ALLOWED_HOSTS), "localhost")
    return "localhost" if host == "*" else host.lstrip(".")


def _bench_biller_and_user():
    if Biller.objects.filter(slug=BENCH_BILLER).exists():
        raise RuntimeError(f"a biller {BENCH_BILLER!r} exists already (a previous bench did not clean up?)")
    biller = Biller.objects.create(name="Benchmark (temporary)", slug=BENCH_BILLER, integration="watersmart",
                                   time_zone="America/Los_Angeles", active=True)
    BillerFileFormat.objects.create(biller=biller, file_format=FileFormat.objects.get(code="watersmart.invoice"))
    user = User.objects.create(username=f"{BENCH_BILLER}-runner", is_superuser=True, is_staff=True)
    return biller, user


def _remove_bench_data(biller, user):
    Invoice.objects.filter(biller=biller).delete()
    Account.objects.filter(biller=biller).delete()
    for load in Load.objects.filter(biller=biller):
        load.file.delete(save=False)
        load.delete()
    biller.file_formats.all().delete()
    biller.delete()
    user.delete()
