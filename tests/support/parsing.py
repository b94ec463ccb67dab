"""Parsing files held in memory, and the shared folder's golden comparison, for the parser tests."""
import importlib.util
import io

from ingest.formats import ParseConfig, parse

from tests.shared import shared


def load_compare():
    """The comparison logic of shared/tools/compare_parse.py (its `diff` function)."""
    spec = importlib.util.spec_from_file_location("compare_parse", shared("tools", "compare_parse.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.diff


def parse_bytes(code: str, data: bytes, config: ParseConfig | None = None):
    """(result, records as a list) for a file held in memory."""
    result = parse(code, lambda: io.BytesIO(data), config or ParseConfig())
    return result, list(result.records())


def parse_text(code: str, text: str, config: ParseConfig | None = None):
    return parse_bytes(code, text.encode("utf-8"), config)


def errors_of(record) -> dict:
    """{field: message} of a record's errors."""
    return {e.field: e.message for e in record.errors}
