"""The performance benchmark behind `manage.py bench`: generated partner files of N records,
parsed, imported by the peers (django-import-export, a hand bulk upsert) and taken through
the portal's pipeline on the configured database, with the figures named as in issue 11.

Targets live here, not in timed tests: the command prints throughput so that a change can
be compared run against run on the same machine.
"""
import csv
import datetime
import multiprocessing
import os
import resource
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files import File
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from billers.models import Biller, BillerFileFormat, FileFormat
from exports.activity import import_activity
from exports.models import CarriedPayment, ExportFile, ExportRun, Trigger
from exports.runs import run_export
from ingest import bench_child, pipeline
from ingest.formats import ParseConfig, parse
from ingest.formats.readers import open_text, read_blocks
from ingest.models import AccountImage, BeforeImage, DetailImage, InvoiceImage, Load, StagedRecord
from ingest.setbased import q, table
from icportal.roles import SUPPORT
from ledger.models import Account, Invoice, InvoiceDetail, Payment


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


FLOORS = {"watersmart.invoice": floor_csv, "incode.invoice.skip_landlord": floor_blocks}
PARSE_ROUNDS = 3


def parse_and_floors(paths, rounds=PARSE_ROUNDS):
    """({code: parse records/s}, {code: its floor's records/s}) over the files `paths`
    ({code: path}): each parse and its floor (FLOORS) run in turn, `rounds` times, and each
    figure is the fastest of its rounds. A ratio of a parse to its floor compares the two at
    the same moment: measured once each, seconds apart, on a machine whose speed moves (a
    shared host), the ratio moved with it (the same tree's Incode ratio measured 0.163 in one
    bench and 0.20-0.22 in runs that alternated the two)."""
    parse_rps, floor_rps = {}, {}
    for _ in range(rounds):
        for code, path in paths.items():
            parse_rps[code] = max(parse_rps.get(code, 0), bench_parse(code, path).per_second)
            if code in FLOORS:
                floor_rps[code] = max(floor_rps.get(code, 0), FLOORS[code](path))
    return parse_rps, floor_rps


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
    preview_ms: float | None = None


def run_chain(biller, user, path, viewer=None):
    """One file through the functions the admin uses: upload, parse and stage (with its
    preview), approve, load. The peak memory counts these steps only. With `viewer` (a staff
    user), the parsed load's preview page is fetched as that user (`preview_ms`), a time left
    out of the chain's."""
    measured = reset_peak_rss()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        load = pipeline.upload(biller, "watersmart.invoice", File(handle, name=Path(path).name), user)
    pipeline.parse_load(load.pk, user.pk)
    load.refresh_from_db()
    if load.status != "parsed" or load.error_count:
        raise RuntimeError(f"bench load {load.pk} ended {load.status} with {load.error_count} errors: {load.failure}")
    preview = None
    if viewer is not None:
        paused = time.perf_counter()
        preview = preview_latency_ms(load, viewer)
        started += time.perf_counter() - paused
    pipeline.approve(load, user)
    loading = time.perf_counter()
    pipeline.run_load(load.pk, user.pk)
    ended = time.perf_counter()
    load.refresh_from_db()
    if load.status != "loaded":
        raise RuntimeError(f"bench load {load.pk} ended {load.status}: {load.failure}")
    return Chain(ended - started, ended - loading, window_peak_rss_mb() if measured else None, preview)


PREVIEW_FETCHES = 3


def preview_latency_ms(load, viewer):
    """The load page with its preview (the first page of records) fetched through
    django.test.Client as `viewer`, as a browser would: the median of PREVIEW_FETCHES
    timed fetches after one untimed (templates compiled, caches warm)."""
    url = reverse("admin:ingest_load_change", args=[load.pk])
    client = Client()
    # the test client's host name; static URLs without the manifest of collectstatic (DEBUG=0)
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], STORAGES=storages):
        client.force_login(viewer)
        try:
            timings = []
            for _ in range(PREVIEW_FETCHES + 1):
                started = time.perf_counter()
                response = client.get(url, secure=True)
                timings.append(time.perf_counter() - started)
                if response.status_code != 200 or b'id="records-heading"' not in response.content:
                    raise RuntimeError(f"the preview of bench load {load.pk} answered {response.status_code}")
        finally:
            client.logout()  # its session row goes too
    return statistics.median(timings[1:]) * 1000


PAYMENT_COLUMNS = ("InvoiceNumber,AccountNumber,CustomerName,PaymentGUID,PaymentDate,PaymentTypeID,PaymentTypeDesc,"
                   "PaymentAmount,ConvenienceFee,PaymentReference,PaymentMessage,Status,Offline,CardBrand,"
                   "InvoiceTypeID")


def write_payments(path, rows):
    """A payments activity file (FORMATS.md section 8) of `rows` valid new payments, one per
    bench account and invoice (`bench_ledger`): card (VISA, AMEX) and ACH, online and
    offline, one in 20 declined, quoted names with a comma."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(PAYMENT_COLUMNS + "\r\n")
        for n in range(rows):
            card = n % 3 != 2
            status = "declined" if n % 20 == 19 else "approved"
            out.write(f'{5000000 + n},{100000 + n},"Customer {n}, Jr.",00000000-0000-4000-8000-{n:012d},'
                      f"2025-01-20T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}-08:00,"
                      f"{1 if card else 2},{'Card' if card else 'ACH'},{(n * 37) % 5000 / 100 + 1:.2f},"
                      f"{'1.50' if card else '0.00'},BENCH{n:08d},Approved {n % 1000000:06d},{status},"
                      f"{'True' if n % 50 == 0 else 'False'},{('AMEX' if n % 7 == 0 else 'VISA') if card else ''},"
                      f"1\r\n")


def bench_ledger(biller, rows, batch=5_000):
    """The accounts and invoices a payments file of `rows` pays (set-up, not measured)."""
    for start in range(0, rows, batch):
        numbers = range(start, min(start + batch, rows))
        accounts = Account.objects.bulk_create([
            Account(biller=biller, account_number=str(100000 + n), customer_name=f"Customer {n}, Jr.",
                    current_balance=Decimal("250.00")) for n in numbers])
        Invoice.objects.bulk_create([
            Invoice(biller=biller, account_id=account.pk, invoice_number=str(5000000 + n), invoice_type_id=1,
                    invoice_date=datetime.date(2025, 1, 1), due_date=datetime.date(2025, 1, 31),
                    total_amount_due=Decimal("250.00")) for n, account in zip(numbers, accounts)])


@dataclass
class Activity:
    import_rps: float
    peak_rss_mb: float | None
    export_rps: float


def run_activity(biller, user, path, rows):
    """A payments import of the file at `path` (`rows` rows) through `import_activity` as
    `manage.py import_activity` calls it (streamed from disk, its peak memory measured), then a
    `watersmart.payments` run over those payments through `run_export` (what the run task
    calls). RuntimeError when either does not take every row.

    The set-up (accounts and invoices) runs here; the import and the run run in a fresh child
    process (multiprocessing's 'spawn': a new interpreter, Django set up there) so that the
    peak memory is the import's own, not the memory the pipeline chains before it freed but the
    process kept. Inside a transaction (a test's) or on an in-memory database a child cannot
    see the set-up, so the steps run here, in this process."""
    bench_ledger(biller, rows)
    if connection.in_atomic_block or (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        return measure_activity(biller.pk, user.pk, str(path), rows)
    connection.close()  # the child opens its own connection; this one is reopened when next used
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(bench_child.activity, (connection.settings_dict["NAME"], biller.pk, user.pk, str(path), rows))


def measure_activity(biller_id, user_id, path, rows):
    biller, user = Biller.objects.get(pk=biller_id), User.objects.get(pk=user_id)
    measured = reset_peak_rss()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        result = import_activity("payments", biller, handle, user=user, keep_objects=False)
    seconds = time.perf_counter() - started
    peak = window_peak_rss_mb() if measured else None
    if result.imported != rows or result.errors:
        raise RuntimeError(f"bench payments import took {result.imported} of {rows} rows: {result.errors[:3]}")
    started = time.perf_counter()
    run = run_export(biller, "watersmart.payments", datetime.date(2025, 1, 21), triggered_by=user,
                     trigger=Trigger.ADMIN)
    export_seconds = time.perf_counter() - started
    if run.record_count != rows:
        raise RuntimeError(f"bench export run {run.pk} carried {run.record_count} of {rows} payments")
    return Activity(rows / seconds, peak, rows / export_seconds)


STEPS = ("parse", "floors", "pipeline N/10", "pipeline new", "pipeline updated", "activity import and export",
         "django-import-export", "bulk floor")


def run(rows, progress=lambda step: None, workdir=None):
    """Every figure of `manage.py bench` that can be measured, as the issue names them
    (docs: BENCHMARKS.md). `progress(step)` is called as each of `STEPS` starts."""
    report = {"parse_rps": {}}
    with tempfile.TemporaryDirectory(prefix="icportal-bench-", dir=workdir) as tmp:
        paths = {code: Path(tmp) / f"bench-{code}.dat" for code in PARSED}
        progress("parse")
        for code, path in paths.items():
            GENERATORS[code](path, rows)
        parse_rps, floor_rps = parse_and_floors(paths)
        report["parse_rps"] = {code: round(rate) for code, rate in parse_rps.items()}
        progress("floors")
        report["floor_csv_rps"] = round(floor_rps["watersmart.invoice"])
        report["floor_blocks_rps"] = round(floor_rps["incode.invoice.skip_landlord"])
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
        chain_tenth = run_chain(biller, user, tenth, viewer=_support_user(biller))
    finally:
        _remove_bench_data(biller, user)
    biller, user = _bench_biller_and_user()
    try:
        progress("pipeline new")
        new = run_chain(biller, user, path, viewer=_support_user(biller))
        progress("pipeline updated")
        updated_path = tmp / "bench-updated.csv"
        write_watersmart_invoices(updated_path, rows, cents_offset=1)
        updated = run_chain(biller, user, updated_path)
    finally:
        _remove_bench_data(biller, user)
    biller, user = _bench_biller_and_user(outbound="watersmart.payments")
    try:
        progress("activity import and export")
        payments = tmp / "bench-payments.csv"
        write_payments(payments, rows)
        activity = run_activity(biller, user, payments, rows)
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
                   load_new_rps=round(rows / new.load_seconds), preview_ms=round(new.preview_ms, 1),
                   preview_ms_tenth=round(chain_tenth.preview_ms, 1),
                   export_payments_rps=round(activity.export_rps), activity_import_rps=round(activity.import_rps))
    if new.peak_rss_mb is not None and chain_tenth.peak_rss_mb is not None:
        figures.update(peak_rss_mb=round(new.peak_rss_mb), peak_rss_mb_tenth=round(chain_tenth.peak_rss_mb))
    if activity.peak_rss_mb is not None:
        figures["activity_peak_rss_mb"] = round(activity.peak_rss_mb)
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
    try:
        started = time.perf_counter()
        response = client.get(url, secure=True, headers={"host": _allowed_host()})
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        size = sum(len(chunk) for chunk in response.streaming_content)
        seconds = time.perf_counter() - started
    finally:
        client.logout()  # its session row goes too
    rows = load.error_count if what == "errors" else load.ok_count
    return Measurement(f"download {label}", rows, seconds, peak_rss_mb(),
                       {"mb": round(size / 2**20, 1), "mb_per_second": round(size / 2**20 / seconds, 1)})


def _allowed_host():
    """A host name the portal accepts (ALLOWED_HOSTS), for the bench's requests."""
    host = next(iter(settings.ALLOWED_HOSTS), "localhost")
    return "localhost" if host == "*" else host.lstrip(".")


def _bench_biller_and_user(outbound=None):
    if Biller.objects.filter(slug=BENCH_BILLER).exists():
        raise RuntimeError(f"a biller {BENCH_BILLER!r} exists already (a previous bench did not clean up?)")
    biller = Biller.objects.create(name="Benchmark (temporary)", slug=BENCH_BILLER, integration="watersmart",
                                   time_zone="America/Los_Angeles", active=True)
    for code in ("watersmart.invoice", outbound):
        if code:
            BillerFileFormat.objects.create(biller=biller, file_format=FileFormat.objects.get(code=code))
    user = User.objects.create(username=f"{BENCH_BILLER}-runner", is_superuser=True, is_staff=True)
    return biller, user


def _support_user(biller):
    """A staff user of the Support role (icportal.roles), who reads loads' previews."""
    user = User.objects.create(username=f"{BENCH_BILLER}-support", is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    return user


def _remove_bench_data(biller, user):
    CarriedPayment.objects.filter(run__biller=biller).delete()
    for export_file in ExportFile.objects.filter(run__biller=biller):
        export_file.file.delete(save=False)
        export_file.delete()
    ExportRun.objects.filter(biller=biller).delete()
    Payment.objects.filter(biller=biller).delete()
    # the big tables in one statement each, children first (Django's collector reads every
    # row into memory before deleting it: over 20 minutes for a million invoices)
    for rows in (InvoiceDetail.objects.filter(invoice__biller=biller), Invoice.objects.filter(biller=biller),
                 Account.objects.filter(biller=biller), StagedRecord.objects.filter(load__biller=biller),
                 BeforeImage.objects.filter(load__biller=biller),
                 *(image.objects.filter(load__biller=biller) for image in (AccountImage, InvoiceImage, DetailImage))):
        _delete_in_sql(rows)
    for load in Load.objects.filter(biller=biller):
        load.file.delete(save=False)
        load.delete()
    biller_id = biller.pk
    biller.file_formats.all().delete()
    biller.delete()
    BillerFileFormat.history.filter(biller_id=biller_id).delete()  # the rows simple_history kept of them
    Biller.history.filter(id=biller_id).delete()
    User.objects.filter(username__in=[user.username, f"{BENCH_BILLER}-support"]).delete()


def _delete_in_sql(queryset):
    """DELETE the queryset's rows in one statement, without Django's collector (no signals, no
    cascades: the caller deletes the rows that refer to them first).

    PostgreSQL: the table and the tables its selection joins are analyzed first. Filled by the
    bench a moment ago and never analyzed (autovacuum may be off or not have run yet), they
    look empty to the planner, which then chose a nested loop for `id IN (the selection)`, a
    scan of the selection per row: the 100,000 invoice images of the updated chain were still
    being deleted after 9 minutes of the server's CPU."""
    model = queryset.model
    select, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            joined = {table(model)} | {q(alias.table_name) for alias in queryset.query.alias_map.values()}
            cursor.execute(f"ANALYZE {', '.join(sorted(joined))}")
        cursor.execute(f"DELETE FROM {table(model)} WHERE {q(model._meta.pk.column)} IN ({select})", params)
