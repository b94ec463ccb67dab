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
