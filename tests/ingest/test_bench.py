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


def test_it_prints_a_table_by_default():
    out = io.StringIO()
    call_command("bench", "--rows", "10", "--format", "watersmart.invoice", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["step", "records", "seconds", "records/s", "peak", "RSS", "MB"]
    assert lines[1].split()[:3] == ["parse", "watersmart.invoice", "10"]
