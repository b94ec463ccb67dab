"""Fixtures of the operations tests (helpers live in tests/support/inbox.py)."""
import pytest


@pytest.fixture
def root(tmp_path, settings):
    """An empty watched inbox (INBOX_ROOT) for the test."""
    settings.INBOX_ROOT = tmp_path / "inbox"
    settings.INBOX_ROOT.mkdir()
    return settings.INBOX_ROOT
