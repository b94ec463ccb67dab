"""The unit of work of the load lifecycle: plain functions that the admin views, the
`ingest` command and the django-q2 tasks call.

    upload -> parse_load -> (preview) -> approve | reject -> run_load [-> reverse -> run_reversal]

Whether a user may do each step is `ingest.actions.decide`, which every function here enforces
(so the admin, the commands and the API cannot bypass a rule).

Parsing and loading run as django-q2 tasks (`start_parse`, `start_load`), never inside a web
request; the `ingest` command runs them inline. A task that dies leaves the load parsing/loading with nothing
half-written (staging is redone by a re-parse; the load is one transaction). Once the
task timeout has passed (a task cannot still be running then), `recover_stuck_loads`, run
every minute by a django-q2 schedule, fails such a load and queues it again, at most
AUTO_RETRIES times; after that it waits, failed, for a person's `retry`.
"""
import hashlib
import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from billers.models import Biller
from ingest import reversal
from ingest.actions import (RETRY_LOAD, RETRY_PARSE, LoadAction, decide, decide_upload,  # noqa: F401
                            enabled_inbound_format, find_duplicate, format_not_enabled, nothing_to_load,
                            retryable, stuck)
from ingest.formats import FileRefused, check_shape, get_format, head_of_upload
from ingest.lifecycle import Refused, StateRefused, record_event, transition
from ingest.loading import LoadConflict, write_load
from ingest.models import Load, LoadEvent, LoadStatus
from ingest.planning import Planner, compare, status_counts
from ingest.staging import ErrorFields, stage, unstage

logger = logging.getLogger(__name__)

INTERNAL_ERROR = ("{what} stopped on an internal error (logged on the server for load {pk}); "
                  "nothing was {done}. Retry, and report it if it happens again.")


def _user(user_id):
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


# The rules live in ingest.actions (one place); find_duplicate, nothing_to_load, stuck,
# RETRY_PARSE, RETRY_LOAD and can_retry stay importable from here for the pipeline's callers.
can_retry = retryable


def enabled_format(biller, code):
    """The FileFormat of `code`, when it is one of the biller's enabled inbound formats."""
    file_format = enabled_inbound_format(biller, code)
    if file_format is None:
        raise Refused(format_not_enabled(biller, code))
    return file_format


def upload(biller, code, file, user, allow_duplicate=False, source=""):
    """Store an uploaded file as a new load (status uploaded); parsing is `start_parse`.

    `user` None is the `ingest` command run without --user (shell access is trusted), or the
    system (the watched inbox), which says so in `source` (the start of the event's note).
    """
    decide_upload(user, biller, code, file.size).enforce()
    file_format = enabled_format(biller, code)
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
        note = f"{source}{load.original_name}, {load.size} bytes, SHA-256 {load.sha256}"
        if load.duplicate_of:
            note += f"; already loaded as load {load.duplicate_of.pk}"
        record_event(load, LoadStatus.UPLOADED, user=user, note=note)
    return load


def refuse_wrong_shape(code, file):
    """Refuses a file whose first lines look like another format (ingest.formats.sniff)."""
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


def start_reversal(load, user=None):
    return _run(run_reversal, load, user)


def parse_load(load_id, user_id=None):
    """Parse and stage the load's file, then compute its preview; never raises."""
    load = Load.objects.select_related("biller", "file_format").get(pk=load_id)
    user = _user(user_id)
    recover_stuck(load, user)     # django-q re-delivers the task of a worker that died
    try:
        transition(load, LoadStatus.PARSING, user, "parsing started", task_started_at=timezone.now(),
                   progress=0, failure="", approved_by=None, approved_at=None, errors_acknowledged=False,
                   waiting_reason="")
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
    if load.status == LoadStatus.PARSED:
        from ingest.autoapproval import after_parse  # the biller's auto-approval rule (issue 15)

        after_parse(load)
    return load


def _parse_failed(load, user, message, refused=False):
    """`refused`: the file itself was refused (FileRefused); otherwise the parse failed and
    can be retried. The summary says which ({"refused": true} for a refusal)."""
    unstage(load)
    transition(load, LoadStatus.PARSE_FAILED, user, message, failure=message, progress=0, records_count=0,
               ok_count=0, error_count=0, skipped_count=0, total_amount=None,
               summary={"refused": True} if refused else {})


def refused(load):
    """The load's file was refused as a whole (empty, not text, no block, missing header)."""
    return load.status == LoadStatus.PARSE_FAILED and bool((load.summary or {}).get("refused"))


def approve(load, user, acknowledge_errors=False, allow_duplicate=False, note=""):
    """Approve a parsed load (the caller then runs `start_load`)."""
    load.refresh_from_db()
    decide(user, load, LoadAction.APPROVE, acknowledge_errors=bool(acknowledge_errors),
           allow_duplicate=bool(allow_duplicate)).enforce()
    duplicate = find_duplicate(load)
    allow_duplicate = allow_duplicate or load.allow_duplicate
    parts = [note] if note else []
    if load.error_count:
        parts.append(f"load {load.ok_count} ok records, leave {load.error_count} errors")
    if duplicate:
        parts.append(f"duplicate of load {duplicate.pk} loaded on purpose")
    return transition(load, LoadStatus.APPROVED, user, "; ".join(parts), approved_by=user,
                      approved_at=timezone.now(), errors_acknowledged=bool(load.error_count),
                      allow_duplicate=allow_duplicate, duplicate_of=duplicate)


def reject(load, user, reason):
    load.refresh_from_db()
    reason = (reason or "").strip()
    decide(user, load, LoadAction.REJECT, reason=reason).enforce()
    return transition(load, LoadStatus.REJECTED, user, reason, rejection_reason=reason)


def run_load(load_id, user_id=None):
    """Load an approved (or failed) load in one transaction; never raises."""
    load, user, started = _start_task(load_id, user_id, LoadStatus.LOADING, "loading started")
    if not started:
        return load
    try:
        with transaction.atomic():
            lock_load(load)
            duplicate = find_duplicate(load)
            if duplicate and not load.allow_duplicate:
                raise DuplicateLoad(duplicate)
            reversal.snapshot_before(load)
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


def _start_task(load_id, user_id, status, note):
    """(load, user, started) for a task that writes the ledger (run_load, run_reversal): a stuck
    earlier attempt recovered, then the load moved to `status`; not started when its state
    does not allow it (another attempt or a person got there first)."""
    load = Load.objects.select_related("biller", "file_format").get(pk=load_id)
    user = _user(user_id)
    recover_stuck(load, user)
    try:
        transition(load, status, user, note, task_started_at=timezone.now(), failure="")
    except StateRefused as exc:
        logger.info("load %s: %s refused: %s", load_id, note, exc)
        return load, user, False
    return load, user, True


def lock_load(load):
    """The biller's lock (lock_biller), then the load's own row, for the rest of the transaction."""
    lock_biller(load)
    Load.objects.select_for_update().filter(pk=load.pk).exists()


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


def recover_stuck(load, user=None):
    """A load left parsing/loading by a task that died (timeout passed) becomes failed, so that
    it can run again; a running task's load is left alone. A reversal whose task died leaves
    the load loaded (its transaction wrote nothing): it can be requested again."""
    if load.status == LoadStatus.REVERSING and stuck(load):
        message = "the reversal task did not finish within the task timeout; nothing was restored"
        transition(load, LoadStatus.LOADED, user, message, failure=message)
        return
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
        status__in=[LoadStatus.PARSING, LoadStatus.LOADING, LoadStatus.REVERSING])
    for load in candidates:
        if not stuck(load, now):
            continue
        with transaction.atomic():
            locked = Load.objects.select_for_update().filter(pk=load.pk, status=load.status).first()
            if locked is None:  # another sweep or a retry got there first
                continue
            recover_stuck(load)
        load.refresh_from_db()
        if load.status == LoadStatus.LOADED:   # a reversal is not retried automatically
            continue
        earlier = LoadEvent.objects.filter(load=load, note=AUTO_RETRY_NOTE).count()
        if earlier >= AUTO_RETRIES:
            logger.warning("load %s failed again after %s automatic retries; left for a person", load.pk, earlier)
            continue
        record_event(load, load.status, note=AUTO_RETRY_NOTE, from_status=load.status)
        (start_parse if load.status == LoadStatus.PARSE_FAILED else start_load)(load)
        recovered.append(load.pk)
    return recovered


def retry(load, user):
    """Run a failed (or stuck) parse or load again."""
    load.refresh_from_db()
    decide(user, load, LoadAction.RETRY).enforce()
    recover_stuck(load, user)
    if load.status in RETRY_PARSE:
        return start_parse(load, user)
    return start_load(load, user)


def reparse(load, user):
    """Parse a parsed (or load-failed) load again, e.g. after the biller's ledger changed."""
    load.refresh_from_db()
    decide(user, load, LoadAction.REPARSE).enforce()
    return start_parse(load, user)


# --- reversal (issue 15) ---------------------------------------------------------------------

def reverse(load, user, reason=""):
    """Request the reversal of a loaded load, or confirm a requested one. Where the biller
    requires four eyes, a request waits (reversal requested) for another person's confirmation;
    otherwise the request is its own confirmation. A confirmed reversal is run by
    `start_reversal` (a django-q2 task) or, in `manage.py reverse_load`, by `run_reversal`."""
    load.refresh_from_db()
    reason = (reason or "").strip()
    decide(user, load, LoadAction.REVERSE, reason=reason).enforce()
    now = timezone.now()
    if load.status == LoadStatus.LOADED:
        requested = dict(reversal_reason=reason, reversal_requested_by=user, reversal_requested_at=now, failure="")
        if load.biller.requires_second_approver:
            return transition(load, LoadStatus.REVERSAL_REQUESTED, user,
                              f"reversal requested: {reason} (a second person must confirm it)", **requested)
        return transition(load, LoadStatus.REVERSAL_CONFIRMED, user, f"reversal requested and confirmed: {reason}",
                          reversal_confirmed_by=user, reversal_confirmed_at=now, **requested)
    requester = load.reversal_requested_by.username if load.reversal_requested_by_id else "-"
    return transition(load, LoadStatus.REVERSAL_CONFIRMED, user,
                      f"reversal confirmed (requested by {requester}): {load.reversal_reason}",
                      reversal_confirmed_by=user, reversal_confirmed_at=now)


def cancel_reversal(load, user):
    """Withdraw or decline a requested reversal: the load stays loaded (the events keep the
    request and its cancellation)."""
    load.refresh_from_db()
    decide(user, load, LoadAction.CANCEL_REVERSAL).enforce()
    requester = load.reversal_requested_by.username if load.reversal_requested_by_id else "-"
    return transition(load, LoadStatus.LOADED, user,
                      f"reversal cancelled (requested by {requester}: {load.reversal_reason})",
                      reversal_reason="", reversal_requested_by=None, reversal_requested_at=None)


class ReversalRefused(Exception):
    pass


def run_reversal(load_id, user_id=None):
    """Reverse a confirmed reversal's load in one transaction under the biller's lock (like
    run_load); never raises. Refused (accounts changed since) or failed, the load stays loaded."""
    load, user, started = _start_task(load_id, user_id, LoadStatus.REVERSING, "reversal started")
    if not started:
        return load
    try:
        with transaction.atomic():
            lock_load(load)
            problem = reversal.refusal(load)
            if problem:
                raise ReversalRefused(problem)
            counts = reversal.restore(load)
            requester = load.reversal_requested_by.username if load.reversal_requested_by_id else "-"
            confirmer = load.reversal_confirmed_by.username if load.reversal_confirmed_by_id else "-"
            note = (f"reversed: accounts {counts['accounts']['restored']} restored, "
                    f"{counts['accounts']['deleted']} deleted; invoices {counts['invoices']['restored']} restored, "
                    f"{counts['invoices']['deleted']} deleted (requested by {requester}, confirmed by {confirmer}: "
                    f"{load.reversal_reason})")
            transition(load, LoadStatus.REVERSED, user, note, reversed_at=timezone.now())
    except ReversalRefused as exc:
        transition(load, LoadStatus.LOADED, user, f"reversal refused: {exc}", failure=f"reversal refused: {exc}")
    except Exception:
        logger.exception("reversing load %s failed", load_id)
        message = INTERNAL_ERROR.format(what="the reversal", pk=load_id, done="restored")
        transition(load, LoadStatus.LOADED, user, message, failure=message)
    return load
