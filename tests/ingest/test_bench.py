"""`manage.py bench` generates valid files and accounts for every record (no timing asserted)."""
import io
import json

from django.core.management import call_command


def test_it_reports_every_generated_record_parsed_ok():
    out = io.StringIO()
    call_command("bench", "--rows", "250", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["rows"] == 250
    steps = {m["step"]: m for m in report["measurements"]}
    assert set(steps) == {"parse watersmart.invoice", "parse incode.invoice.skip_landlord"}
    for m in steps.values():
        assert m["records"] == 250 and m["notes"]["ok"] == 250 and m["notes"]["error"] == 0
        assert m["seconds"] > 0 and m["peak_rss_mb"] > 0


def test_it_parses_the_hostile_incode_block_into_one_bounded_error_record():
    out = io.StringIO()
    call_command("bench", "--rows", "3000", "--format", "watersmart.invoice", "--hostile", "--json", stdout=out)
    steps = {m["step"]: m for m in json.loads(out.getvalue())["measurements"]}
    hostile = steps["parse one block of 3000 unclosed <Usage>"]
    assert (hostile["records"], hostile["notes"]["error"], hostile["notes"]["ok"]) == (1, 1, 0)


def test_it_prints_a_table_by_default():
    out = io.StringIO()
    call_command("bench", "--rows", "10", "--format", "watersmart.invoice", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["step", "records", "seconds", "records/s", "peak", "RSS", "MB"]
    assert lines[1].split()[:3] == ["parse", "watersmart.invoice", "10"]


def test_the_pipeline_bench_loads_every_row_twice_and_leaves_nothing_behind(db):
    from django_q.models import Schedule

    from billers.models import Account, Biller, Invoice
    from ingest.models import Load

    def counts():
        return (Biller.objects.count(), Account.objects.count(), Invoice.objects.count(), Load.objects.count(),
                Schedule.objects.count())

    before = counts()
    out = io.StringIO()
    call_command("bench", "--rows", "120", "--format", "watersmart.invoice", "--pipeline", "--json", stdout=out)
    steps = {m["step"]: m for m in json.loads(out.getvalue())["measurements"]}
    assert steps["parse+stage watersmart.invoice (new)"]["notes"] == {"status": "parsed", "ok": 120}
    assert steps["load watersmart.invoice (new)"]["records"] == 120
    assert steps["load watersmart.invoice (updated)"]["notes"] == {"status": "loaded"}
    assert steps["download error report"]["records"] == steps["download IC standard file"]["records"] == 120
    assert steps["download error report"]["notes"]["mb"] >= 0
    assert counts() == before
