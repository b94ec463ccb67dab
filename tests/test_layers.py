"""DESIGN.md's layers point one way: icportal <- billers <- ledger <- ingest, exports, api.
No module imports a layer above its own (admin and views included)."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# app -> the apps it must not import
ABOVE = {
    "icportal": {"billers", "ledger", "ingest", "exports", "api"},
    "billers": {"ledger", "ingest", "exports", "api"},
    "ledger": {"ingest", "exports", "api"},
}
IMPORT = re.compile(r"^\s*(?:from|import)\s+([a-z_]+)", re.MULTILINE)
# icportal's URL configuration and settings sit on top of every app by nature.
TOP = {"icportal/urls.py", "icportal/settings.py"}
# Imports that predate this test; listed so that no new one slips in. None is left: the parse
# configuration is built in ingest (ingest/config.py) and the format catalogue and its field
# tables come from ingest and exports through billers.catalog. One upward tie remains, not an
# import: billers/models/ledger.py's Invoice.load points at "ingest.Load" (the ledger app's move
# takes it away).
KNOWN: dict[str, list[str]] = {}


def imports(path):
    return set(IMPORT.findall(path.read_text()))


@pytest.mark.parametrize("app", sorted(ABOVE))
def test_no_module_imports_a_layer_above_its_own(app):
    modules = [p for p in (ROOT / app).rglob("*.py") if str(p.relative_to(ROOT)) not in TOP]
    assert modules
    wrong = {str(p.relative_to(ROOT)): sorted(imports(p) & ABOVE[app]) for p in modules}
    assert {path: names for path, names in wrong.items() if names and KNOWN.get(path) != names} == {}


# ingest.formats is a pure reading library (no Django, no database, no other app), so its
# sibling exports may read with it (the activity import: readers, Field, converters,
# FieldError, FileRefused) without reaching into ingest's pipeline, models or admin.
LIBRARY_IMPORT = re.compile(r"^\s*(?:from|import)\s+([a-z_.]+)", re.MULTILINE)
PROJECT = {"icportal", "billers", "ledger", "ingest", "exports", "api"}


def test_ingest_formats_is_a_pure_library():
    modules = sorted((ROOT / "ingest" / "formats").rglob("*.py"))
    assert modules
    wrong = {str(p.relative_to(ROOT)): sorted(n for n in LIBRARY_IMPORT.findall(p.read_text())
                                              if n.split(".")[0] in PROJECT | {"django"})
             for p in modules}
    assert {path: names for path, names in wrong.items() if names} == {}


def test_exports_reads_ingest_only_through_its_formats_library():
    modules = sorted((ROOT / "exports").rglob("*.py"))
    assert any("ingest.formats" in p.read_text() for p in modules)
    wrong = {str(p.relative_to(ROOT)): sorted(n for n in LIBRARY_IMPORT.findall(p.read_text())
                                              if n.split(".")[0] == "ingest" and not n.startswith("ingest.formats"))
             for p in modules}
    assert {path: names for path, names in wrong.items() if names} == {}
