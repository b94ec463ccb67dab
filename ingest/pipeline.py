"""The unit of work of the load lifecycle: plain functions that the admin views, the
`ingest` command and the django-q2 tasks call.

    upload -> parse_load -> (preview) -> approve | reject -> run_load

Parsing and loading run as django-q2 tasks (`start_parse`, `start_load`), never inside a web
request; the `ingest` command runs them inline. A task that dies leaves the load parsing/loading with nothing
half-written (staging is redone by a re-parse; the load is one transaction). Once the
task timeout has passed (a task cannot still be running then), `recover_stuck_loads`, run
every minute by a django-q2 schedule, fails such a load and queues it again, at most
AUTO_RETRIES times; after that it waits, failed, for a person's `retry`.
"""
import datetime
import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from billers.models import Biller, BillerFileFormat
from ingest.formats import FileRefused
from ingest.lifecycle import FourEyesRefused, PermissionRefused, Refused, StateRefused, record_event, transition
from ingest.loading import LoadConflict, write_load
from ingest.models import Load, LoadEvent, LoadStatus, StagedRecord
from ingest.planning import Planner, compare, status_counts
from ingest.staging import ErrorFields, stage

logger = logging.getLogger(__name__)

INTERNAL_ERROR = ("{what} stopped on an internal error (logged on the server for load {pk}); "
                  "nothing was {done}. Retry, and report it if it happens again.")


def _user(user_id):
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def find_duplicate(load):
    """The latest loaded load of the same file (SHA-256) for the same biller and format."""
    return (Load.objects.filter(biller=load.biller_id, file_format=load.file_format_id, sha256=load.sha256,
                                status=LoadStatus.LOADED).exclude(pk=load.pk).order_by("-loaded_at").first())


def enabled_format(biller, code):
    enabled = (BillerFileFormat.objects.select_related("file_format")
               .filter(biller=biller, enabled=True, file_format__retired=False, file_format__code=code,
                       file_format__direction="inbound").first())
    if enabled is None:
        raise Refused(f"{code} is not an enabled inbound format of {biller.slug}")
    return enabled.file_format


def upload(biller, code, file, user, allow_duplicate=False):
    """Store an uploaded file as a new load (status uploaded); parsing is `start_parse`.

    `user` None is the `ingest` command run without --user (shell access is trusted).
    """
    if user is not None and not user.has_perm("ingest.add_load"):
        raise PermissionRefused(f"{user.username} may not upload files")
    if not biller.active:
        raise Refused(f"biller {biller.slug} is not active")
    file_format = enabled_format(biller, code)
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if file.size > limit:
        raise Refused(f"the file is {file.size / 1024 / 1024:.1f} MB; the limit is {settings.MAX_UPLOAD_MB} MB")
    refuse_wrong_shape(file_format.code, file)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    load = Load(biller=biller, file_format=file_format, original_name=(file.name or "upload").rsplit("/", 1)[-1][:255],
                sha256=digest.hexdigest(), size=file.size, uploaded_by=user, allow_duplicate=allow_duplicate)
    load.duplicate_of = find_duplicate(load)
    load.file.save("upload", file, save=False)
    with transaction.atomic():
        load.save()
        note = f"{load.original_name}, {load.size} bytes, SHA-256 {load.sha256}"
        if load.duplicate_of:
            note += f"; already loaded as load {load.duplicate_of.pk}"
        record_event(load, LoadStatus.UPLOADED, user=user, note=note)
    return load


def refuse_wrong_shape(code, file):
    """Refuses a file whose first lines look like another format (ingest.formats.sniff)."""
    from ingest.formats import FileRefused, check_shape, get_format, head_of_upload

    file.seek(0)
    head = head_of_upload(file.read(16 * 1024))
    file.seek(0)
    try:
        check_shape(get_format(code), head)
    except FileRefused as exc:
        raise Refused(str(exc)) from None


def _run(func, load, user):
    """Queue `func` as a django-q2 task: a web request never parses or loads (the `ingest`
    command calls parse_load / run_load itself)."""
    async_task(f"ingest.pipeline.{func.__name__}", load.pk, getattr(user, "pk", None),
               task_name=f"{func.__name__} load {load.pk}", group="ingest")
    load.refresh_from_db()
    return load


def start_parse(load, user=None):
    return _run(parse_load, load, user)


def start_load(load, user=None):
    return _run(run_load, load, user)


def parse_load(load_id, user_id=None):
    """Parse and stage the load's file, then compute its preview; never raises."""
    load = Load.objects.select_related("biller", "file_format").get(pk=load_id)
    user = _user(user_id)
    recover_stuck(load, user)     # django-q re-delivers the task of a worker that died
    try:
        transition(load, LoadStatus.PARSING, user, "parsing started", task_started_at=timezone.now(),
                   progress=0, failure="", approved_by=None, approved_at=None, errors_acknowledged=False)
    except StateRefused as exc:
        logger.info("parse of load %s not started: %s", load_id, exc)
        return load
    try:
        errors = ErrorFields()
        planner = Planner(load, errors)
        result = stage(load, errors, planner.plan)
        planner.finish()
        load.error_fields = errors.grouped
        load.plan = planner.as_json()
        counts = status_counts(load, planner.ok_total)
        for name, value in counts.items():
            setattr(load, name, value)
        comparison = compare(load)
        summary = {"kind": result.kind, "encoding": result.encoding, "records": counts["records_count"],
                   "ok": counts["ok_count"], "error": counts["error_count"], "skipped": counts["skipped_count"],
                   "total_amount": f"{counts['total_amount']:.2f}", "preview_errors": load.plan["conflicts"]}
        transition(load, LoadStatus.PARSED, user, f"{counts['ok_count']} ok, {counts['error_count']} errors, "
                   f"{counts['skipped_count']} skipped", encoding=result.encoding, header=result.header,
                   summary=summary, warnings=list(result.warnings), error_fields=load.error_fields,
                   plan=load.plan, comparison=comparison, progress=counts["records_count"], **counts)
    except FileRefused as exc:
        _parse_failed(load, user, str(exc), refused=True)
    except Exception:
        logger.exception("parsing load %s failed", load_id)
        _parse_failed(load, user, INTERNAL_ERROR.format(what="parsing", pk=load_id, done="staged"))
    return load


def _parse_failed(load, user, message, refused=False):
    """`refused`: the file itself was refused (FileRefused); otherwise the parse failed and
    can be retried. The summary says which ({"refused": true} for a refusal)."""
    StagedRecord.objects.filter(load=load).delete()
    transition(load, LoadStatus.PARSE_FAILED, user, message, failure=message, progress=0, records_count=0,
               ok_count=0, error_count=0, skipped_count=0, total_amount=None,
               summary={"refused": True} if refused else {})


def refused(load):
    """The load's file was refused as a whole (empty, not text, no block, missing header)."""
    return load.status == LoadStatus.PARSE_FAILED and bool((load.summary or {}).get("refused"))


def approve(load, user, acknowledge_errors=False, allow_duplicate=False, note=""):
    """Approve a parsed load (the caller then runs `start_load`)."""
    if not user.has_perm("ingest.approve_load"):
        raise PermissionRefused(f"{user.username} may not approve loads")
    load.refresh_from_db()
    if load.status != LoadStatus.PARSED:
        raise StateRefused(f"load {load.pk} is {load.get_status_display()}; only a parsed load can be approved")
    if load.biller.requires_second_approver and load.uploaded_by_id == user.pk:
        raise FourEyesRefused(f"{load.biller.slug} requires a second person: the uploader cannot approve the load")
    if not load.ok_count:
        raise Refused(nothing_to_load(load))
    if load.error_count and not acknowledge_errors:
        raise Refused(f"the load has {load.error_count} error records: approving means 'load {load.ok_count} ok "
                      f"records, leave {load.error_count} errors', which must be acknowledged explicitly")
    duplicate = find_duplicate(load)
    allow_duplicate = allow_duplicate or load.allow_duplicate
    if duplicate and not allow_duplicate:
        raise Refused(f"this file was already loaded for {load.biller.slug} ({load.file_format.code}) as load "
                      f"{duplicate.pk}; loading it again needs the duplicate override")
    parts = [note] if note else []
    if load.error_count:
        parts.append(f"load {load.ok_count} ok records, leave {load.error_count} errors")
    if duplicate:
        parts.append(f"duplicate of load {duplicate.pk} loaded on purpose")
    return transition(load, LoadStatus.APPROVED, user, "; ".join(parts), approved_by=user,
                      approved_at=timezone.now(), errors_acknowledged=bool(load.error_count),
                      allow_duplicate=allow_duplicate, duplicate_of=duplicate)


def nothing_to_load(load):
    """Why a parsed load without ok records cannot be approved (None when it has some)."""
    if load.ok_count:
        return None
    return (f"load {load.pk} has no ok records ({load.error_count} errors, {load.skipped_count} skipped): "
            "there is nothing to load; reject it, fix the file and upload it again")


def reject(load, user, reason):
    if not user.has_perm("ingest.approve_load"):
        raise PermissionRefused(f"{user.username} may not reject loads")
    reason = (reason or "").strip()
    if not reason:
        raise Refused("a rejection needs a reason")
    load.refresh_from_db()
    if load.status != LoadStatus.PARSED:
        raise StateRefused(f"load {load.pk} is {load.get_status_display()}; only a parsed load can be rejected")
    return transition(load, LoadStatus.REJECTED, user, reason, rejection_reason=reason)


def run_load(load_id, user_id=None):
    """Load an approved (or failed) load in one transaction; never raises."""
    load = Load.objects.select_related("biller", "file_format").get(pk=load_id)
    user = _user(user_id)
    recover_stuck(load, user)
    try:
        transition(load, LoadStatus.LOADING, user, "loading started", task_started_at=timezone.now(), failure="")
    except StateRefused as exc:
        logger.info("load %s not started: %s", load_id, exc)
        return load
    try:
        with transaction.atomic():
            lock_biller(load)
            Load.objects.select_for_update().filter(pk=load.pk).exists()
            duplicate = find_duplicate(load)
            if duplicate and not load.allow_duplicate:
                raise DuplicateLoad(duplicate)
            plan = write_load(load)
            transition(load, LoadStatus.LOADED, user, _loaded_note(plan), plan=plan, loaded_at=timezone.now(),
                       progress=load.ok_count)
    except DuplicateLoad as exc:
        transition(load, LoadStatus.LOAD_FAILED, user, str(exc), failure=str(exc), duplicate_of=exc.duplicate)
    except LoadConflict as exc:
        transition(load, LoadStatus.LOAD_FAILED, user, str(exc), failure=str(exc))
    except Exception:
        logger.exception("loading load %s failed", load_id)
        message = INTERNAL_ERROR.format(what="loading", pk=load_id, done="written")
        transition(load, LoadStatus.LOAD_FAILED, user, message, failure=message)
    return load


class DuplicateLoad(LoadConflict):
    def __init__(self, duplicate):
        super().__init__(f"this file was already loaded as load {duplicate.pk} (same SHA-256, biller and format); "
                         "nothing was loaded. To load it again on purpose, re-parse it and approve it with the "
                         "duplicate override.")
        self.duplicate = duplicate


def lock_biller(load):
    """Take the biller's row lock for the rest of the transaction: the loads of one biller run
    one at a time, so the duplicate check (a new query, after the lock) sees every load
    committed before, and balances are computed from the previous load's result."""
    Biller.objects.select_for_update().filter(pk=load.biller_id).values_list("pk", flat=True).get()


def _loaded_note(plan):
    parts = [f"accounts {plan['accounts']['new']} new, {plan['accounts']['updated']} updated"]
    if "invoices" in plan:
        parts.append(f"invoices {plan['invoices']['new']} new, {plan['invoices']['updated']} updated, "
                     f"{plan['invoices']['unchanged']} unchanged")
    else:
        parts.append(f"{plan['balances']['changed']} balances changed")
    return "; ".join(parts)


def stuck(load, now=None):
    """A task of this load should have finished by now (the task timeout has passed)."""
    timeout = datetime.timedelta(seconds=settings.Q_CLUSTER.get("timeout", 3600))
    since = load.task_started_at if load.status in (LoadStatus.PARSING, LoadStatus.LOADING) else load.updated_at
    return since is not None and since < (now or timezone.now()) - timeout


RETRY_PARSE = {LoadStatus.PARSE_FAILED, LoadStatus.UPLOADED, LoadStatus.PARSING}
RETRY_LOAD = {LoadStatus.LOAD_FAILED, LoadStatus.APPROVED, LoadStatus.LOADING}


def recover_stuck(load, user=None):
    """A load left parsing/loading by a task that died (timeout passed) becomes failed, so that
    it can run again; a running task's load is left alone."""
    if load.status in (LoadStatus.PARSING, LoadStatus.LOADING) and stuck(load):
        failed = LoadStatus.PARSE_FAILED if load.status == LoadStatus.PARSING else LoadStatus.LOAD_FAILED
        message = "the task did not finish within the task timeout; retried"
        transition(load, failed, user, message, failure=message)


AUTO_RETRIES = 2
AUTO_RETRY_NOTE = "queued again automatically"


def recover_stuck_loads(now=None):
    """Fail every load whose task died (task timeout passed) and queue it again, up to
    AUTO_RETRIES times per load. The schedule `ingest: recover stuck loads` runs it."""
    now = now or timezone.now()
    recovered = []
    candidates = Load.objects.select_related("biller", "file_format").filter(
        status__in=[LoadStatus.PARSING, LoadStatus.LOADING])
    for load in candidates:
        if not stuck(load, now):
            continue
        with transaction.atomic():
            locked = Load.objects.select_for_update().filter(pk=load.pk, status=load.status).first()
            if locked is None:  # another sweep or a retry got there first
                continue
            recover_stuck(load)
        load.refresh_from_db()
        earlier = LoadEvent.objects.filter(load=load, note=AUTO_RETRY_NOTE).count()
        if earlier >= AUTO_RETRIES:
            logger.warning("load %s failed again after %s automatic retries; left for a person", load.pk, earlier)
            continue
        record_event(load, load.status, note=AUTO_RETRY_NOTE, from_status=load.status)
        (start_parse if load.status == LoadStatus.PARSE_FAILED else start_load)(load)
        recovered.append(load.pk)
    return recovered


def can_retry(load):
    if load.status in (LoadStatus.PARSE_FAILED, LoadStatus.LOAD_FAILED):
        return True
    return load.status in (RETRY_PARSE | RETRY_LOAD) and stuck(load)


def retry(load, user):
    """Run a failed (or stuck) parse or load again."""
    load.refresh_from_db()
    perm = "ingest.add_load" if load.status in RETRY_PARSE else "ingest.approve_load"
    if not user.has_perm(perm):
        raise PermissionRefused(f"{user.username} may not retry this load")
    if not can_retry(load):
        raise StateRefused(f"load {load.pk} is {load.get_status_display()}; there is nothing to retry")
    recover_stuck(load, user)
    if load.status in RETRY_PARSE:
        return start_parse(load, user)
    return start_load(load, user)


def reparse(load, user):
    """Parse a parsed (or load-failed) load again, e.g. after the biller's ledger changed."""
    if not user.has_perm("ingest.add_load"):
        raise PermissionRefused(f"{user.username} may not re-parse loads")
    load.refresh_from_db()
    if load.status not in (LoadStatus.PARSED, LoadStatus.LOAD_FAILED):
        raise StateRefused(f"load {load.pk} is {load.get_status_display()}; it cannot be re-parsed")
    return start_parse(load, user)
