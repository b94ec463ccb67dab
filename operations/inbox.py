"""The watched inbox (issue 15): a folder per biller under INBOX_ROOT (named by the biller's
slug) where an SFTP server or a person drops partner files.

A scan (`manage.py scan_inbox`, and the django-q2 schedule of operations.schedule) takes each
completely written file of an active biller's folder:

- names starting with `.` or ending `.part` or `.tmp` are being written (rename-in
  convention: write `x.csv.part`, then rename it to `x.csv`) and are left alone;
- any other file is taken once a later scan sees it with the same size and modification
  time as the scan before (the first sighting is recorded in InboxSighting).

A taken file is matched to exactly one of the biller's enabled inbound formats, by the
format's file-naming convention (ingest.formats.naming) and then by its content
(ingest.formats.sniff); it becomes a load uploaded by the system (ingest.pipeline.upload,
which enforces the size limit; the parse is queued), and moves to `<biller>/processed/`.
No match, several matches, a file already received (same SHA-256), an unreadable or oversized
file: it moves to `<biller>/rejected/`. Either way a `<name>.note.txt` beside it says what
happened, and an InboxFile row records it. A file is never deleted, only moved; a name
already taken in processed/ or rejected/ gets a number (`x_2.csv`).

Two scans at the same instant take a biller's folder in turn (a row lock on its InboxFolder),
so a file, or two copies of it, is loaded once.
"""
import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from billers.models import Biller, BillerFileFormat
from ingest import pipeline
from ingest.formats import FileRefused, check_shape, get_format, head_of_upload
from ingest.formats.naming import matches
from ingest.lifecycle import Refused
from ingest.models import Load, LoadStatus
from operations.models import InboxFile, InboxFolder, InboxOutcome, InboxSighting

logger = logging.getLogger(__name__)

PROCESSED, REJECTED = "processed", "rejected"
IN_PROGRESS_SUFFIXES = (".part", ".tmp")
SOURCE = "received by the system from the watched inbox ({path}): "
CHUNK = 1024 * 1024
HEAD_BYTES = 16 * 1024


def in_progress(name):
    """A name of the rename-in convention: still being written."""
    return name.startswith(".") or name.lower().endswith(IN_PROGRESS_SUFFIXES)


@dataclass
class Candidate:
    path: Path
    size: int
    mtime_ns: int


def root():
    return Path(settings.INBOX_ROOT)


def folder_of(biller, base=None):
    return (base or root()) / biller.slug


def candidates(folder):
    """The regular files at the top of a biller's folder that are not being written."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        logger.warning("inbox folder %s cannot be read: %s", folder, exc)
        return []
    for entry in sorted(entries, key=lambda e: e.name):
        if in_progress(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # gone meanwhile
        found.append(Candidate(Path(entry.path), stat.st_size, stat.st_mtime_ns))
    return found


def stable(biller, candidate):
    """Whether the previous scan saw the file with the same size and mtime; records this sighting."""
    name = candidate.path.name[:255]
    seen = InboxSighting.objects.filter(biller=biller, name=name).first()
    if seen is not None and (seen.size, seen.mtime_ns) == (candidate.size, candidate.mtime_ns):
        return True
    if seen is None:
        InboxSighting.objects.get_or_create(biller=biller, name=name,
                                            defaults={"size": candidate.size, "mtime_ns": candidate.mtime_ns})
    else:
        InboxSighting.objects.filter(pk=seen.pk).update(size=candidate.size, mtime_ns=candidate.mtime_ns,
                                                        seen_at=timezone.now())
    return False


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def match_format(biller, name, head):
    """(the one enabled inbound FileFormat the file is, None) or (None, why not)."""
    rows = list(BillerFileFormat.objects.select_related("file_format").filter(
        biller=biller, enabled=True, file_format__direction="inbound", file_format__retired=False)
        .order_by("file_format__code"))
    named = [row.file_format for row in rows if matches(row.effective_inbox_naming, name)]
    if not named:
        conventions = "; ".join(f"{row.file_format.code}: {row.effective_inbox_naming or '(none)'}"
                                for row in rows) or "none"
        return None, f"the name matches no naming convention of {biller.slug}'s enabled inbound formats ({conventions})"
    shaped, refusals = [], []
    for file_format in named:
        try:
            check_shape(get_format(file_format.code), head)
        except (FileRefused, KeyError) as exc:
            refusals.append(f"{file_format.code}: {exc}")
        else:
            shaped.append(file_format)
    if not shaped:
        return None, "the content matches none of the formats its name matches (" + "; ".join(refusals) + ")"
    if len(shaped) > 1:
        return None, ("ambiguous: the name and content match " + " and ".join(f.code for f in shaped)
                      + "; give the formats naming conventions that tell them apart")
    return shaped[0], ""


def destination(folder, name):
    """A free path for `name` in `folder` (x.csv, then x_2.csv, x_3.csv ...)."""
    folder.mkdir(exist_ok=True)
    stem, dot, suffix = name.partition(".") if not name.startswith(".") else (name, "", "")
    number = 1
    while True:
        candidate = folder / (name if number == 1 else f"{stem}_{number}{dot}{suffix}")
        if not candidate.exists() and not Path(f"{candidate}.note.txt").exists():
            return candidate
        number += 1


def move_with_note(path, target, lines):
    """Move the file to `target` (in processed/ or rejected/) with `<target>.note.txt` beside it."""
    note = Path(f"{target}.note.txt")
    note.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        os.rename(path, target)
    except OSError:
        try:
            shutil.move(str(path), str(target))
        except OSError:
            note.unlink(missing_ok=True)
            raise


def already_received(biller, sha256):
    """The earlier inbox file or load of the same content for the biller, as a phrase, or ""."""
    earlier = InboxFile.objects.filter(biller=biller, sha256=sha256, outcome=InboxOutcome.LOADED).first()
    if earlier is not None:
        return f"the same file (SHA-256) was already received as {earlier.name} (load {earlier.load_id})"
    load = (Load.objects.filter(biller=biller, sha256=sha256)
            .exclude(status__in=[LoadStatus.REJECTED, LoadStatus.PARSE_FAILED]).order_by("pk").first())
    if load is not None:
        return f"the same file (SHA-256) is already load {load.pk} ({load.get_status_display()})"
    return ""


def take(biller, candidate, base):
    """Take one stable file under the biller's folder lock: (InboxFile, the load to parse or None),
    or (None, None) when another scan took it meanwhile."""
    path, folder = candidate.path, folder_of(biller, base)
    relative = f"{biller.slug}/{path.name}"
    with transaction.atomic():
        InboxFolder.objects.select_for_update().filter(biller=biller).update(last_scan_at=timezone.now())
        if not path.exists():
            return None, None  # another scan took it
        InboxSighting.objects.filter(biller=biller, name=path.name[:255]).delete()
        record = InboxFile(biller=biller, name=path.name[:255], size=candidate.size)
        load = None
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024
        try:
            if candidate.size > limit:
                raise Refused(f"the file is {candidate.size / 1024 / 1024:.1f} MB; the limit is "
                              f"{settings.MAX_UPLOAD_MB} MB (MAX_UPLOAD_MB)")
            record.sha256 = sha256_of(path)
            with open(path, "rb") as handle:
                head = head_of_upload(handle.read(HEAD_BYTES))
            duplicate = already_received(biller, record.sha256)
            if duplicate:
                record.outcome, record.note = InboxOutcome.DUPLICATE, duplicate + "; not loaded again"
            else:
                file_format, why = match_format(biller, path.name, head)
                if file_format is None:
                    raise Refused(why)
                record.file_format = file_format
                with open(path, "rb") as handle:
                    load = pipeline.upload(biller, file_format.code, File(handle, name=path.name), None,
                                           source=SOURCE.format(path=relative))
                record.outcome, record.load = InboxOutcome.LOADED, load
                record.note = f"load {load.pk} created ({file_format.code}); its parse is queued"
        except Refused as exc:
            record.outcome, record.note = InboxOutcome.REJECTED, str(exc)
        except OSError as exc:
            record.outcome, record.note = InboxOutcome.REJECTED, f"the file cannot be read: {exc.strerror or exc}"
        where = PROCESSED if record.outcome == InboxOutcome.LOADED else REJECTED
        now = timezone.now()
        lines = [f"{record.get_outcome_display()}: {record.note}", f"received: {now.isoformat()}",
                 f"file: {relative}, {candidate.size} bytes", f"SHA-256: {record.sha256 or '-'}"]
        target = destination(folder / where, path.name)
        record.moved_to = str(target.relative_to(base))
        record.save()
        move_with_note(path, target, lines)   # last: a failed move rolls the record and the load back
    return record, load


def scan_biller(biller, base):
    folder = folder_of(biller, base)
    folder.mkdir(exist_ok=True)
    InboxFolder.objects.get_or_create(biller=biller)
    taken = []
    present = set()
    for candidate in candidates(folder):
        present.add(candidate.path.name[:255])
        if not stable(biller, candidate):
            continue
        try:
            record, load = take(biller, candidate, base)
        except Exception:  # e.g. the move failed: the file stays for the next scan, nothing recorded
            logger.exception("inbox file %s was not taken; the next scan tries again", candidate.path)
            continue
        if record is None:
            continue
        if load is not None:
            pipeline.start_parse(load)
        taken.append(record)
    # files that went away before being taken leave no sighting behind
    InboxSighting.objects.filter(biller=biller).exclude(name__in=present).delete()
    return taken


def scan(base=None):
    """One scan of every active biller's folder; the InboxFile rows it created. A missing
    INBOX_ROOT is logged and scanned as empty (the portal never creates it)."""
    base = Path(base or root())
    if not base.is_dir():
        logger.warning("INBOX_ROOT %s is not a folder: nothing scanned", base)
        return []
    taken = []
    for biller in Biller.objects.filter(active=True).order_by("slug"):
        taken += scan_biller(biller, base)
    return taken
