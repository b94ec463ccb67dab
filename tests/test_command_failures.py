"""Unexpected exceptions in the commands (issue 10, item 6): logged, one line on stderr, no
traceback anywhere on the terminal, exit 1 ("failed, retryable"), never 2 ("refused", only
for a refused file or bad arguments)."""
import io
import logging
import sys

import pytest
from django.core.management import CommandError, call_command

from ingest.models import Load, LoadStatus
from tests.shared import shared

WS = ["--biller", "demo-watersmart", "--format", "watersmart.invoice"]
SAMPLE = str(shared("samples", "watersmart_invoice.csv"))


def run(name, *args):
    """(exit code, stdout, stderr) of `manage.py NAME ARGS` as the command line runs it."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *[str(a) for a in args], stdout=out, stderr=err)
        return 0, out.getvalue(), err.getvalue()
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    except CommandError as exc:   # what BaseCommand.run_from_argv prints, and its exit status
        return exc.returncode, out.getvalue(), err.getvalue() + f"CommandError: {exc}\n"


class CurrentStderr:
    def write(self, text):
        sys.stderr.write(text)

    def flush(self):
        sys.stderr.flush()


@pytest.fixture
def console(capfd):
    """What reaches the terminal (file descriptors 1 and 2), the settings' console log handler
    included (pointed at the captured stderr for the test)."""
    handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert handlers, "the settings' console handler"
    streams = [h.stream for h in handlers]
    for handler in handlers:
        handler.stream = CurrentStderr()
    yield lambda: "".join(capfd.readouterr())
    for handler, stream in zip(handlers, streams):
        handler.stream = stream


def boom(*args, **kwargs):
    raise RuntimeError("disk on fire")


def assert_failed_quietly(code, err, terminal, name):
    assert code == 1, err
    assert "Traceback" not in err and "Traceback" not in terminal
    assert f"manage.py {name}" in terminal and "RuntimeError: disk on fire" in terminal   # logged, one line


def test_ingest_exits_1_without_a_traceback_when_the_parse_fails_unexpectedly(demo, console, monkeypatch):
    monkeypatch.setattr("ingest.pipeline.stage", boom)
    code, out, err = run("ingest", SAMPLE, *WS)
    terminal = console()
    assert code == 1 and "file refused" not in err and err.startswith("parse failed: parsing stopped on an internal")
    assert "Traceback" not in err + terminal and "parsing load" in terminal and "disk on fire" in terminal
    load = Load.objects.get()
    assert load.status == LoadStatus.PARSE_FAILED and load.summary == {}


def test_ingest_still_exits_2_for_a_refused_file(demo, tmp_path):
    (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02" * 100)
    code, out, err = run("ingest", tmp_path / "binary.csv", *WS)
    assert code == 2 and err.startswith("file refused: ")
    assert Load.objects.get().summary == {"refused": True}


def test_ingest_exits_1_without_a_traceback_on_an_unexpected_error(demo, console, monkeypatch):
    monkeypatch.setattr("ingest.pipeline.upload", boom)
    code, out, err = run("ingest", SAMPLE, *WS)
    terminal = console()
    assert code == 1 and err.strip() == "ingest stopped on an internal error (details in the log)"
    assert "Traceback" not in terminal and "RuntimeError: disk on fire" in terminal


def test_parse_file_exits_1_without_a_traceback(demo, console, monkeypatch):
    monkeypatch.setattr("ingest.management.commands.parse_file.parse", boom)
    code, out, err = run("parse_file", SAMPLE, "--format", "watersmart.invoice")
    assert_failed_quietly(code, err, console(), "parse_file")


def test_export_files_exits_1_without_a_traceback(demo, console, monkeypatch, tmp_path):
    monkeypatch.setattr("exports.management.commands.export_files.run_export", boom)
    code, out, err = run("export_files", "--biller", "demo-watersmart", "--date", "2025-03-09", "--out", tmp_path)
    terminal = console()
    assert_failed_quietly(code, err, terminal, "export_files")
    assert err.startswith("export_files: failed on an unexpected error (RuntimeError)")


def test_export_files_exits_1_when_it_cannot_write_the_file(demo, monkeypatch, tmp_path):
    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("exports.management.commands.export_files.save_copy", full)
    code, out, err = run("export_files", "--biller", "demo-watersmart", "--format", "watersmart.rejects",
                         "--date", "2025-03-09", "--out", tmp_path)
    assert code == 1 and "Traceback" not in err
    assert "cannot write ICRejects_" in err and "No space left on device; it is stored with export run" in err


def test_import_activity_exits_1_without_a_traceback(demo, console, monkeypatch, tmp_path):
    monkeypatch.setattr("exports.management.commands.import_activity.import_activity", boom)
    path = tmp_path / "changes.csv"
    path.write_text("AccountNumber,Kind,Value,At\n")
    code, out, err = run("import_activity", "changes", path, "--biller", "demo-watersmart")
    assert_failed_quietly(code, err, console(), "import_activity")


def test_the_traceback_option_still_shows_the_traceback(demo, console, monkeypatch, tmp_path):
    monkeypatch.setattr("exports.management.commands.import_activity.import_activity", boom)
    path = tmp_path / "changes.csv"
    path.write_text("AccountNumber,Kind,Value,At\n")
    code, out, err = run("import_activity", "changes", path, "--biller", "demo-watersmart", "--traceback")
    assert code == 1 and "Traceback" in console()
