"""The layers point one way (DESIGN.md, issue 16):

    icportal <- billers <- ledger <- ingest, exports, api, design <- admin/API views

A module may import its own layer and the layers below it, never one above: the pipelines
(ingest, exports, api, design) may use each other, the ledger and below; the views (admin
modules, views, URL configurations, the API's endpoints, management commands) sit on top.
The imports read are the source's own `import`/`from` lines, relative ones resolved."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULE = "icportal <- billers <- ledger <- ingest, exports, api, design, operations <- admin/API views"
LAYERS = [{"icportal"}, {"billers"}, {"ledger"}, {"ingest", "exports", "api", "design", "operations"}]
VIEWS = len(LAYERS)  # the top layer
# Apps made only of pages sit on top as a whole: the admin home and the billers' hubs.
VIEW_APPS = {"desk"}
APPS = set().union(*LAYERS) | VIEW_APPS
# A module is a view (top layer) when its dotted name holds one of these parts.
VIEW_PARTS = {"admin", "views", "urls", "endpoints", "management"}
# icportal's settings and URL configuration sit on top of every app by nature.
TOP = {"icportal.settings", "icportal.urls"}
# The violations that remain, exactly; the test fails when one goes away until it leaves this
# list. None is left: keep it empty (an exception goes here only with its reason).
KNOWN: dict[str, list[str]] = {}
IMPORT = re.compile(r"^\s*(?:from\s+(\.*[\w.]*)\s+import|import\s+([\w.]+(?:\s*,\s*[\w.]+)*))", re.MULTILINE)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path) -> set[str]:
    """The dotted names a module imports, relative imports resolved against its package."""
    name = module_name(path, root)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for source, plain in IMPORT.findall(path.read_text("utf-8")):
        if plain:
            found.update(part.strip() for part in plain.split(","))
        elif source.startswith("."):
            dots = len(source) - len(source.lstrip("."))
            base = package[: len(package) - dots + 1]
            found.add(".".join(base + [p for p in source.lstrip(".").split(".") if p]))
        else:
            found.add(source)
    return found


def layer_of(module: str) -> int | None:
    """The layer of a dotted module name, None outside the project's apps."""
    parts = module.split(".")
    if parts[0] not in APPS:
        return None
    if module in TOP or parts[0] in VIEW_APPS or VIEW_PARTS.intersection(parts[1:]):
        return VIEWS
    return next(number for number, layer in enumerate(LAYERS) if parts[0] in layer)


def upward_imports(root: Path) -> dict[str, list[str]]:
    """{module: the modules it imports from a layer above its own} for every app under root."""
    wrong = {}
    for app in sorted(APPS):
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = module_name(path, root)
            own = layer_of(name)
            above = sorted(m for m in imported_modules(path, root) if (layer_of(m) or 0) > own)
            if above:
                wrong[name] = above
    return wrong


def describe(wrong: dict[str, list[str]]) -> str:
    return "; ".join(f"{module} imports {', '.join(names)}" for module, names in sorted(wrong.items()))


def check_layers(root: Path, known: dict[str, list[str]]):
    """Fail naming the rule when a module imports upward (beyond `known`), or `known` is stale."""
    wrong = upward_imports(root)
    new = {module: names for module, names in wrong.items() if known.get(module) != names}
    assert not new, f"The layers point one way ({RULE}); a module imports a layer above its own: {describe(new)}"
    gone = {module: names for module, names in known.items() if wrong.get(module) != names}
    assert not gone, f"Listed in KNOWN but no longer (or differently) imported, shorten KNOWN: {describe(gone)}"


def test_no_module_imports_a_layer_above_its_own():
    assert len(list((ROOT / "ingest").rglob("*.py"))) > 10  # the tree is read
    check_layers(ROOT, KNOWN)


def write(root: Path, module: str, text: str):
    path = root.joinpath(*module.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    for folder in [path.parent, *path.parent.parents]:
        if folder == root:
            break
        (folder / "__init__.py").touch()
    path.write_text(text)


@pytest.mark.parametrize("module, text, above", [
    ("billers.rates", "from ingest.formats import FORMATS\n", ["ingest.formats"]),
    ("ledger.models", "import exports.models as em\n", ["exports.models"]),
    ("icportal.roles", "import os, billers.models\n", ["billers.models"]),
    ("ingest.pipeline", "from ingest.admin.views import upload\n", ["ingest.admin.views"]),
    ("exports.runs", "from .admin import ExportRunAdmin\n", ["exports.admin"]),
    ("ingest.formats.spec", "from ..forms import UploadForm\nfrom ..admin import views\n", ["ingest.admin"]),
    ("design.document", "from billers.admin.history import configuration_changes\n", ["billers.admin.history"]),
    ("ingest.bench", "    from ingest.admin.downloads import download_view\n", ["ingest.admin.downloads"]),
    ("exports.runs", "from desk.hub import hub_view\n", ["desk.hub"]),
])
def test_it_catches_an_import_from_a_layer_above(tmp_path, module, text, above):
    write(tmp_path, module, text)
    assert upward_imports(tmp_path) == {module: above}


@pytest.mark.parametrize("module, text", [
    ("ingest.pipeline", "from billers.models import Biller\nfrom ledger.models import Account\nimport exports.runs\n"),
    ("ingest.admin.views", "from ingest.pipeline import approve\nfrom exports.admin import ExportRunAdmin\n"),
    ("billers.models", "from icportal.roles import Role\nfrom django.db import models\n"),
    ("icportal.urls", "from ingest.admin import site\n"),
    ("desk.dashboard", "from ingest.admin.preview import badge\nfrom billers.history import configuration_changes\n"),
])
def test_it_allows_imports_of_its_own_layer_and_below(tmp_path, module, text):
    write(tmp_path, module, text)
    assert upward_imports(tmp_path) == {}


def test_its_failure_message_names_the_rule_and_the_import(tmp_path):
    write(tmp_path, "billers.rates", "from exports.runs import run_export\n")
    with pytest.raises(AssertionError) as failure:
        check_layers(tmp_path, {})
    assert RULE in str(failure.value) and "billers.rates imports exports.runs" in str(failure.value)


def test_the_real_tree_fails_once_an_upward_import_is_added_to_it(tmp_path):
    """The check of the project itself (with its KNOWN) fails on a copy of the tree given
    one upward import: the ledger's models reading ingest's."""
    for app in sorted(APPS):
        for path in (ROOT / app).rglob("*.py"):
            copy = tmp_path / path.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(path.read_text("utf-8"), "utf-8")
    check_layers(tmp_path, KNOWN)  # the copy passes as the tree does
    target = tmp_path / "ledger" / "models" / "accounts.py"
    target.write_text(target.read_text("utf-8") + "\nfrom ingest.models import Load\n", "utf-8")
    with pytest.raises(AssertionError, match="ledger.models.accounts imports ingest.models"):
        check_layers(tmp_path, KNOWN)


def test_it_fails_when_a_known_violation_is_gone(tmp_path):
    write(tmp_path, "billers.rates", "from billers.models import Biller\n")
    with pytest.raises(AssertionError, match="shorten KNOWN: billers.rates imports ingest.formats"):
        check_layers(tmp_path, {"billers.rates": ["ingest.formats"]})


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
