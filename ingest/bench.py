"""The performance benchmark behind `manage.py bench`: generated partner files of N records,
parsed (and, with a database, staged and loaded) while time and peak memory are measured.

Targets live here, not in timed tests: the command prints throughput so that a change can
be compared run against run on the same machine.
"""
import datetime
import os
import resource
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.formats import ParseConfig, parse


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
        measurement = bench_parse("incode.invoice.skip_landlord", path)
    measurement.step = f"parse one block of {rows} unclosed <Usage>"
    return [measurement]


GENERATORS = {
    "watersmart.invoice": write_watersmart_invoices,
    "incode.invoice.skip_landlord": write_incode_invoices,
}


def bench_parse(code, path, config=None):
    """Parse a file record by record (as staging does) and measure it."""
    started = time.perf_counter()
    result = parse(code, lambda: open(path, "rb"), config or ParseConfig(file_creation_date=datetime.date.today()))
    count = 0
    for _record in result.records():
        count += 1
    seconds = time.perf_counter() - started
    summary = result.summary
    assert summary["records"] == count, f"counted {count}, summary says {summary['records']}"
    return Measurement(f"parse {code}", count, seconds, peak_rss_mb(),
                       {"ok": summary["ok"], "error": summary["error"], "file_mb": round(os.path.getsize(path) / 2**20, 1)})


def run(rows, codes=None, workdir=None):
    """Generate and parse one file per format; returns the measurements."""
    measurements = []
    with tempfile.TemporaryDirectory(prefix="icportal-bench-", dir=workdir) as tmp:
        for code in codes or GENERATORS:
            path = Path(tmp) / f"bench-{code}.dat"
            GENERATORS[code](path, rows)
            measurements.append(bench_parse(code, path))
            path.unlink()
    return measurements


BENCH_BILLER = "bench-watersmart"


def bench_pipeline(rows, workdir=None):
    """The real pipeline on the configured database: upload, parse and stage, load; first a
    file of new accounts and invoices, then the next day's file updating all of them.
    Everything it creates (biller, user, loads, ledger rows, stored files) is removed after."""
    from django.core.files import File

    from ingest import pipeline

    biller, user = _bench_biller_and_user()
    measurements = []
    try:
        with tempfile.TemporaryDirectory(prefix="icportal-bench-", dir=workdir) as tmp:
            for label, offset in (("new", 0), ("updated", 1)):
                path = Path(tmp) / f"bench-{label}.csv"
                write_watersmart_invoices(path, rows, cents_offset=offset)
                with open(path, "rb") as handle:
                    load = pipeline.upload(biller, "watersmart.invoice", File(handle, name=path.name), user)
                started = time.perf_counter()
                pipeline.parse_load(load.pk, user.pk)
                load.refresh_from_db()
                measurements.append(Measurement(f"parse+stage watersmart.invoice ({label})", load.records_count,
                                                time.perf_counter() - started, peak_rss_mb(),
                                                {"status": load.status, "ok": load.ok_count}))
                pipeline.approve(load, user)
                started = time.perf_counter()
                pipeline.run_load(load.pk, user.pk)
                load.refresh_from_db()
                measurements.append(Measurement(f"load watersmart.invoice ({label})", load.ok_count,
                                                time.perf_counter() - started, peak_rss_mb(),
                                                {"status": load.status}))
                if load.status != "loaded":
                    raise RuntimeError(f"bench load {load.pk} ended {load.status}: {load.failure}")
                if label == "new":
                    measurements.append(bench_download("IC standard file", load, "ic"))
            path = Path(tmp) / "bench-errors.csv"
            write_watersmart_invoices(path, rows, invoice_type_id=9)
            with open(path, "rb") as handle:
                load = pipeline.upload(biller, "watersmart.invoice", File(handle, name=path.name), user)
            pipeline.parse_load(load.pk, user.pk)
            measurements.append(bench_download("error report", load, "errors"))
    finally:
        _remove_bench_data(biller, user)
    return measurements


def bench_download(label, load, what):
    """Read a load's download through the admin's view, as a browser would (streamed)."""
    from django.contrib import admin
    from django.test import RequestFactory

    from ingest.admin.downloads import download_view
    from ingest.models import Load

    load.refresh_from_db()
    request = RequestFactory().get("/")
    request.user = load.uploaded_by  # the bench's superuser
    started = time.perf_counter()
    response = download_view(admin.site._registry[Load], request, str(load.pk), what)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - started
    rows = load.error_count if what == "errors" else load.ok_count
    return Measurement(f"download {label}", rows, seconds, peak_rss_mb(),
                       {"mb": round(size / 2**20, 1), "mb_per_second": round(size / 2**20 / seconds, 1)})


def _bench_biller_and_user():
    from django.contrib.auth.models import User

    from billers.models import Biller, BillerFileFormat, FileFormat

    if Biller.objects.filter(slug=BENCH_BILLER).exists():
        raise RuntimeError(f"a biller {BENCH_BILLER!r} exists already (a previous bench did not clean up?)")
    biller = Biller.objects.create(name="Benchmark (temporary)", slug=BENCH_BILLER, integration="watersmart",
                                   time_zone="America/Los_Angeles", active=True)
    BillerFileFormat.objects.create(biller=biller, file_format=FileFormat.objects.get(code="watersmart.invoice"))
    user = User.objects.create(username=f"{BENCH_BILLER}-runner", is_superuser=True)
    return biller, user


def _remove_bench_data(biller, user):
    from billers.models import Account, Invoice
    from ingest.models import Load

    Invoice.objects.filter(biller=biller).delete()
    Account.objects.filter(biller=biller).delete()
    for load in Load.objects.filter(biller=biller):
        load.file.delete(save=False)
        load.delete()
    biller.file_formats.all().delete()
    biller.delete()
    user.delete()
