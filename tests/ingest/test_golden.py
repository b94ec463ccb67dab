"""Golden files: every shared/samples/expected/*.json against `manage.py parse_file --json`
after `seed_demo` (and against `parse()` with the equivalent ParseConfig, without the DB)."""
import io
import json

import pytest
from django.core.management import call_command

from ingest.formats import ParseConfig, parse
from ingest.formats.output import write_json

from tests.shared import shared, shared_files
from tests.support.parsing import load_compare

# The #131 flags of the demo billers (DESIGN.md seed_demo).
CONFIGS = {
    "demo-watersmart": ParseConfig(biller_slug="demo-watersmart"),
    "demo-incode": ParseConfig(biller_slug="demo-incode", skip_numeric_check=True, use_billing_address=True),
    "demo-incode-basic": ParseConfig(biller_slug="demo-incode-basic"),
}


def golden_files():
    """Every expected JSON; a missing or empty folder fails in CI and skips elsewhere."""
    return shared_files("samples", "expected", pattern="*.json")


def golden_cases():
    return [pytest.param(path, id=path.name) for path in golden_files()]


def case(expected_path):
    """(sample file, format code, biller slug) from `<file>.<format>.<biller>.json`."""
    stem = expected_path.name[: -len(".json")]
    sample, rest = stem.split(".", 1)
    code, biller = rest.rsplit(".", 1)
    extension = ".xml" if sample.startswith("incode_invoice") else ".csv"
    return shared("samples", sample + extension), code, biller


@pytest.mark.parametrize("expected_path", golden_cases())
def test_it_matches_the_golden_file_through_parse(expected_path):
    sample, code, biller = case(expected_path)
    out = io.StringIO()
    write_json(parse(code, lambda: open(sample, "rb"), CONFIGS[biller]), out, biller)
    actual, expected = json.loads(out.getvalue()), json.loads(expected_path.read_text("utf-8"))
    assert load_compare()(expected, actual) == []
    assert list(actual) == ["format", "biller", "kind", "encoding", "header", "records", "summary"]


@pytest.mark.django_db
@pytest.mark.parametrize("expected_path", golden_cases())
def test_it_matches_the_golden_file_through_the_command(expected_path, demo):
    sample, code, biller = case(expected_path)
    out = io.StringIO()
    call_command("parse_file", str(sample), "--format", code, "--biller", biller, "--json", stdout=out)
    actual, expected = json.loads(out.getvalue()), json.loads(expected_path.read_text("utf-8"))
    assert load_compare()(expected, actual) == []
    assert actual["biller"] == biller and actual["header"]["BillerGuid"]


def test_it_finds_every_record_line_and_key_of_the_golden_files():
    """Beyond compare_parse: error records keep every key, with the same values where parsed."""
    checked = 0
    for path in golden_files():
        sample, code, biller = case(path)
        out = io.StringIO()
        write_json(parse(code, lambda: open(sample, "rb"), CONFIGS[biller]), out, biller)
        actual = json.loads(out.getvalue())
        wanted = json.loads(path.read_text("utf-8"))["records"]
        assert wanted and len(wanted) == len(actual["records"]), path.name
        for want, got in zip(wanted, actual["records"]):
            for part in ("invoice", "customer", "adjustment"):
                assert want.get(part) == got.get(part) or not want.get(part), (path.name, want["line"], part)
            assert len(want.get("details", [])) == len(got.get("details", []))
            checked += 1
    assert checked > 0
