"""The shared folder beside the repository (samples, corpora, tools) for the tests.

`../shared` relative to the repository root; IC_SHARED_DIR overrides it. Outside CI a test
needing a missing file is skipped with the reason; in CI (CI=true, or ICPORTAL_CI_RUN set by
.ci/run) it fails, so that golden and corpus tests can never silently stop running.
"""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("IC_SHARED_DIR") or REPO_ROOT.parent / "shared")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"} or bool(os.environ.get("ICPORTAL_CI_RUN"))


def refuse_missing(message: str):
    """Fail in CI, skip with the reason elsewhere (also when collecting a module)."""
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        refuse_missing(f"{path} is absent (the shared samples/corpora folder next to the repository)")
    return path


def shared_files(*parts: str, pattern: str) -> list[Path]:
    """The files matching `pattern` in a shared folder, sorted; none is missing (see above)."""
    paths = sorted(shared(*parts).glob(pattern))
    if not paths:
        refuse_missing(f"{SHARED.joinpath(*parts)} has no {pattern}")
    return paths
