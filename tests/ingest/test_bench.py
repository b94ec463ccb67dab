"""`manage.py bench` measures issue 11's figures on generated files that parse and load
whole, and removes what it created (no timing asserted)."""
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

MEASURED = {"parse_rps", "floor_csv_rps", "floor_blocks_rps", "dje_rps", "bulk_floor_rps", "e2e_new_rps",
            "e2e_update_rps", "load_new_rps", "speedup_vs_dje", "e2e_vs_floor", "peak_rss_mb",
            "peak_rss_mb_tenth", "preview_ms", "preview_ms_tenth", "export_payments_rps", "activity_import_rps",
            "activity_peak_rss_mb", "rows", "database"}


def counts():
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session
    from django_q.models import Schedule

    from billers.models import Biller, BillerFileFormat
    from exports.models import CarriedPayment, ExportFile, ExportRun
    from ingest.models import Load
    from ledger.models import Account, Invoice, Payment

    return {model.__name__: model.objects.count()
            for model in (Biller, Biller.history.model, BillerFileFormat, BillerFileFormat.history.model, Account,
                          Invoice, Load, Payment, ExportRun, ExportFile, CarriedPayment, User, Session, Schedule)}


def stored_files():
    from django.core.files.storage import default_storage

    root = Path(default_storage.location)
    return sorted(str(path) for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.mark.django_db
def test_it_reports_the_issue_figures_and_leaves_nothing_behind():
    before, files = counts(), stored_files()
    out = io.StringIO()
    call_command("bench", "--rows", "120", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert set(report) == MEASURED
    assert set(report["parse_rps"]) == {"watersmart.invoice", "incode.invoice.skip_landlord", "incode.adjustment"}
    assert all(rate > 0 for rate in report["parse_rps"].values())
    assert report["rows"] == 120 and report["database"] in ("sqlite", "postgresql")
    for key in MEASURED - {"parse_rps", "rows", "database"}:
        assert report[key] > 0, key
    assert report["speedup_vs_dje"] == pytest.approx(report["e2e_new_rps"] / report["dje_rps"], rel=0.01)
    assert counts() == before
    assert stored_files() == files   # the uploads and the export run's file are deleted


def test_the_generated_files_parse_into_ok_records_only(tmp_path):
    from ingest import bench

    for code, write in bench.GENERATORS.items():
        path = tmp_path / code
        write(path, 40)
        measurement = bench.bench_parse(code, path)
        assert (measurement.records, measurement.notes["ok"], measurement.notes["error"]) == (40, 40, 0)


def test_each_parse_and_its_floor_run_in_turn_and_the_fastest_round_counts(tmp_path, monkeypatch):
    from ingest import bench

    paths = {}
    for code, write in bench.GENERATORS.items():
        paths[code] = tmp_path / code
        write(paths[code], 30)
    order, rates = [], iter([5.0, 9.0, 7.0, 6.0, 4.0, 8.0])
    real_parse = bench.bench_parse

    def parse(code, path):
        order.append(("parse", code))
        return real_parse(code, path)

    def floor(name):
        def measure(path):
            order.append((name, path.name))
            return next(rates)
        return measure

    monkeypatch.setattr(bench, "bench_parse", parse)
    monkeypatch.setattr(bench, "FLOORS", {"watersmart.invoice": floor("csv"),
                                          "incode.invoice.skip_landlord": floor("blocks")})
    parse_rps, floor_rps = bench.parse_and_floors(paths, rounds=3)
    one_round = [("parse", "watersmart.invoice"), ("csv", "watersmart.invoice"),
                 ("parse", "incode.invoice.skip_landlord"), ("blocks", "incode.invoice.skip_landlord"),
                 ("parse", "incode.adjustment")]
    assert order == one_round * 3
    assert floor_rps == {"watersmart.invoice": 7.0, "incode.invoice.skip_landlord": 9.0}
    assert set(parse_rps) == set(bench.GENERATORS) and all(rate > 0 for rate in parse_rps.values())


def test_it_parses_the_hostile_incode_block_into_one_bounded_error_record():
    from ingest import bench

    [hostile] = bench.run_hostile(3000)
    assert (hostile.records, hostile.notes["error"], hostile.notes["ok"]) == (1, 1, 0)


@pytest.mark.django_db
def test_it_prints_a_table_by_default_with_its_progress():
    out, err = io.StringIO(), io.StringIO()
    call_command("bench", "--rows", "10", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("bench: 10 rows on ")
    assert lines[2].split()[:2] == ["parse", "watersmart.invoice"] and "x floor" in lines[2]
    assert any(line.startswith("end to end, new invoices") for line in lines)
    assert "8/8 bulk floor" in err.getvalue()


@pytest.mark.django_db
def test_it_reads_both_downloads_whole_through_the_admin_view_and_leaves_nothing_behind():
    from ingest import bench

    before = counts()
    errors, ic_file = bench.run_downloads(50)
    assert (errors.records, ic_file.records) == (50, 50)
    assert errors.notes["mb"] >= 0 and errors.seconds > 0 and ic_file.seconds > 0
    assert counts() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the formats and groups come back
def test_the_activity_steps_run_in_a_fresh_child_process_on_the_parents_database(tmp_path):
    """Outside a transaction the payments import and the export run happen in a spawned child
    (its own peak memory), writing into the database the parent set up."""
    from django.db import connection

    from exports.models import CarriedPayment, ExportRun
    from ingest import bench
    from ledger.models import Payment

    if (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        pytest.skip("a child process cannot open SQLite's in-memory test database")
    biller, user = bench._bench_biller_and_user(outbound="watersmart.payments")
    biller_id = biller.pk
    try:
        path = tmp_path / "payments.csv"
        bench.write_payments(path, 40)
        activity = bench.run_activity(biller, user, path, 40)
        assert activity.import_rps > 0 and activity.export_rps > 0
        assert activity.peak_rss_mb is not None and activity.peak_rss_mb > 0
        assert Payment.objects.filter(biller=biller).count() == 40
        [run] = ExportRun.objects.filter(biller=biller)
        assert run.record_count == 40
        assert CarriedPayment.objects.filter(run=run).count() == 40
    finally:
        bench._remove_bench_data(biller, user)
    assert not Payment.objects.filter(biller_id=biller_id).exists()
