"""Helpers of the watched-inbox tests: drop files into a biller's folder, scan as the schedule does."""
import os
from pathlib import Path

from operations import inbox
from tests.support.invoices import write_invoices


def drop(root, slug, name, content):
    """Write `content` (bytes) as `<root>/<slug>/<name>`, with an mtime in the past as a finished upload has."""
    folder = Path(root) / slug
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return path


def drop_invoices(root, slug, name, first, rows):
    folder = Path(root) / slug
    folder.mkdir(parents=True, exist_ok=True)
    path = write_invoices(folder / name, first, rows)
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return path


def scan_twice(root):
    """Two scans (a file is taken once two scans saw it unchanged); the files the second took."""
    first = inbox.scan(root)
    return first + inbox.scan(root)


def listing(root, slug):
    """{relative path: text} of everything under the biller's folder."""
    base = Path(root) / slug
    return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())
