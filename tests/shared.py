"""The shared folder beside the repository (samples, corpora, tools) for the tests.

`../shared` relative to the repository root; IC_SHARED_DIR overrides it. Outside CI a test
needing a missing file is skipped with the reason; in CI (CI=true) it fails, so that golden
and corpus tests can never silently stop running.
"""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("IC_SHARED_DIR") or REPO_ROOT.parent / "shared")


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is absent (the shared samples/corpora folder next to the repository)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message, allow_module_level=True)
    return path
