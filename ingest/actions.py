"""What a user may do with a load, and why not: the one place the rules live (issue 16).

    decide(user, load, action) -> Decision(allowed, reason, refusal)
    allowed_actions(user, load) -> {action: Decision}
    decide_upload(user, biller, code, size) -> Decision

The pipeline functions (`ingest.pipeline`) enforce every decision (`Decision.enforce()`
raises the lifecycle's refusal), so the admin, the commands and any other caller cannot
bypass a rule; the admin views, the load page's buttons and the commands read the same
decisions and only turn a refusal into a 403, a form error, a disabled button with its
reason, or exit code 2.

Each rule is checked once, here: the model permission (`ingest.add_load`,
`ingest.approve_load`, `ingest.reverse_load`, `ingest.view_load`), the load's status, four
eyes (on a biller that requires a second person, the uploader does not approve and the
requester of a reversal does not confirm it), nothing to load, the error acknowledgement and
the duplicate override, stuck or failed tasks for a retry, and for a reversal the
before-images and the accounts touched since. Upload: the biller active, the format enabled,
the size under MAX_UPLOAD_MB.
"""
import datetime
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.utils import timezone

from billers.models import BillerFileFormat
from ingest import reversal
from ingest.lifecycle import FourEyesRefused, PermissionRefused, Refused, StateRefused
from ingest.models import IN_LEDGER, Load, LoadStatus


class LoadAction(str, Enum):
    APPROVE = "approve"
    REJECT = "reject"
    RETRY = "retry"
    REPARSE = "reparse"
    REVERSE = "reverse"
    CANCEL_REVERSAL = "cancel_reversal"
    DOWNLOAD = "download"

    @property
    def label(self):
        return {"reparse": "Re-parse", "cancel_reversal": "Cancel reversal"}.get(self.value, self.value.capitalize())


@dataclass(frozen=True)
class Decision:
    """`allowed`, or the one-line `reason` why not; `refusal` is the lifecycle exception type a
    refusal raises (PermissionRefused and FourEyesRefused are 403s, the others form errors)."""

    allowed: bool
    reason: str = ""
    refusal: type = Refused

    def __bool__(self):
        return self.allowed

    @property
    def forbidden(self):
        """A refusal the user cannot change by asking differently (a 403, not a form error)."""
        return not self.allowed and issubclass(self.refusal, PermissionRefused)

    def enforce(self):
        if not self.allowed:
            raise self.refusal(self.reason)
        return self


ALLOWED = Decision(True)


def _no(reason, refusal=Refused):
    return Decision(False, reason, refusal)


# --- statuses ------------------------------------------------------------------------------

RETRY_PARSE = {LoadStatus.PARSE_FAILED, LoadStatus.UPLOADED, LoadStatus.PARSING}
RETRY_LOAD = {LoadStatus.LOAD_FAILED, LoadStatus.APPROVED, LoadStatus.LOADING}
REPARSABLE = {LoadStatus.PARSED, LoadStatus.LOAD_FAILED}
STAGED = {LoadStatus.PARSED, LoadStatus.APPROVED, LoadStatus.LOADING, LoadStatus.LOADED,
          LoadStatus.LOAD_FAILED, LoadStatus.REJECTED, LoadStatus.REVERSAL_REQUESTED,
          LoadStatus.REVERSAL_CONFIRMED, LoadStatus.REVERSING, LoadStatus.REVERSED}


def stuck(load, now=None):
    """A task of this load should have finished by now (the task timeout has passed)."""
    timeout = datetime.timedelta(seconds=settings.Q_CLUSTER.get("timeout", 3600))
    running = (LoadStatus.PARSING, LoadStatus.LOADING, LoadStatus.REVERSING)
    since = load.task_started_at if load.status in running else load.updated_at
    return since is not None and since < (now or timezone.now()) - timeout


def retryable(load):
    """A failed parse or load, or one whose task died (stuck past the task timeout)."""
    if load.status in (LoadStatus.PARSE_FAILED, LoadStatus.LOAD_FAILED):
        return True
    return load.status in (RETRY_PARSE | RETRY_LOAD) and stuck(load)


def nothing_to_load(load):
    """Why a parsed load without ok records cannot be approved (None when it has some)."""
    if load.ok_count:
        return None
    return (f"load {load.pk} has no ok records ({load.error_count} errors, {load.skipped_count} skipped): "
            "there is nothing to load; reject it, fix the file and upload it again")


def find_duplicate(load):
    """The latest load of the same file (SHA-256) for the same biller and format whose rows are
    in the ledger (loaded, and not reversed)."""
    return (Load.objects.filter(biller=load.biller_id, file_format=load.file_format_id, sha256=load.sha256,
                                status__in=IN_LEDGER).exclude(pk=load.pk).order_by("-loaded_at").first())


# --- the rule function -----------------------------------------------------------------------

def _may(user, perm):
    return user is not None and user.is_active and user.has_perm(perm)


def _who(user):
    return user.username if user is not None else "nobody"


def decide(user, load, action, *, acknowledge_errors=None, allow_duplicate=None, reason=None, what=None):
    """May `user` do `action` with `load`? The keyword options are the request's own choices,
    checked when given (None: the question is whether the user may ask at all, as a button does):
    `acknowledge_errors` and `allow_duplicate` for approve, `reason` for reject and reverse,
    `what` ("errors", "ic", "original") for download."""
    action = LoadAction(action)
    return RULES[action](user, load, acknowledge_errors=acknowledge_errors, allow_duplicate=allow_duplicate,
                         reason=reason, what=what)


def allowed_actions(user, load):
    """{action: Decision} for every action, in the order the load page shows them."""
    return {action: decide(user, load, action) for action in LoadAction}


def _state(load, wanted, verb):
    if load.status not in wanted:
        return _no(f"load {load.pk} is {load.get_status_display()}; {verb}", StateRefused)
    return None


def _approve(user, load, acknowledge_errors, allow_duplicate, **_):
    if not _may(user, "ingest.approve_load"):
        return _no(f"{_who(user)} may not approve loads", PermissionRefused)
    refused = _state(load, {LoadStatus.PARSED}, "only a parsed load can be approved")
    if refused is not None:
        return refused
    if load.biller.requires_second_approver and load.uploaded_by_id == user.pk:
        return _no(f"{load.biller.slug} requires a second person: the uploader cannot approve the load",
                   FourEyesRefused)
    empty = nothing_to_load(load)
    if empty is not None:
        return _no(empty)
    if acknowledge_errors is not None and load.error_count and not acknowledge_errors:
        return _no(f"the load has {load.error_count} error records: approving means 'load {load.ok_count} ok "
                   f"records, leave {load.error_count} errors', which must be acknowledged explicitly")
    if allow_duplicate is not None and not (allow_duplicate or load.allow_duplicate):
        duplicate = find_duplicate(load)
        if duplicate:
            return _no(f"this file was already loaded for {load.biller.slug} ({load.file_format.code}) as load "
                       f"{duplicate.pk}; loading it again needs the duplicate override")
    return ALLOWED


def _reject(user, load, reason, **_):
    if not _may(user, "ingest.approve_load"):
        return _no(f"{_who(user)} may not reject loads", PermissionRefused)
    refused = _state(load, {LoadStatus.PARSED}, "only a parsed load can be rejected")
    if refused is not None:
        return refused
    if reason is not None and not reason.strip():
        return _no("a rejection needs a reason")
    return ALLOWED


def _retry(user, load, **_):
    perm = "ingest.add_load" if load.status in RETRY_PARSE else "ingest.approve_load"
    if not _may(user, perm):
        return _no(f"{_who(user)} may not retry this load", PermissionRefused)
    if not retryable(load):
        if load.status in (RETRY_PARSE | RETRY_LOAD):
            return _no(f"load {load.pk} is {load.get_status_display()} and its task is still within the task "
                       "timeout; there is nothing to retry yet", StateRefused)
        return _no(f"load {load.pk} is {load.get_status_display()}; there is nothing to retry", StateRefused)
    return ALLOWED


def _reparse(user, load, **_):
    if not _may(user, "ingest.add_load"):
        return _no(f"{_who(user)} may not re-parse loads", PermissionRefused)
    refused = _state(load, REPARSABLE, "it cannot be re-parsed (only a parsed or load-failed load)")
    return ALLOWED if refused is None else refused


def _reverse(user, load, reason, **_):
    if not _may(user, "ingest.reverse_load"):
        return _no(f"{_who(user)} may not reverse loads", PermissionRefused)
    refused = _state(load, {LoadStatus.LOADED, LoadStatus.REVERSAL_REQUESTED},
                     "only a loaded load can be reversed")
    if refused is not None:
        return refused
    if (load.status == LoadStatus.REVERSAL_REQUESTED and load.biller.requires_second_approver
            and load.reversal_requested_by_id == user.pk):
        return _no(f"{load.biller.slug} requires a second person: {user.username} requested this reversal and "
                   "cannot confirm it", FourEyesRefused)
    if reason is not None and not reason.strip() and load.status == LoadStatus.LOADED:
        return _no("a reversal needs a reason")
    problem = reversal.refusal(load)
    if problem:
        return _no(problem)
    return ALLOWED


def _cancel_reversal(user, load, **_):
    """A requested reversal waiting for its second person may be withdrawn (by the requester)
    or declined (by another), by anyone who may reverse loads."""
    if not _may(user, "ingest.reverse_load"):
        return _no(f"{_who(user)} may not reverse loads", PermissionRefused)
    refused = _state(load, {LoadStatus.REVERSAL_REQUESTED}, "only a requested reversal can be cancelled")
    return ALLOWED if refused is None else refused


def _download(user, load, what, **_):
    if not _may(user, "ingest.view_load"):
        return _no(f"{_who(user)} may not view loads", PermissionRefused)
    if what == "original" and not load.file:
        return _no("the load has no stored file")
    if what in ("errors", "ic") and load.status not in STAGED:
        return _no("the load has no parsed records")
    return ALLOWED


RULES = {LoadAction.APPROVE: _approve, LoadAction.REJECT: _reject, LoadAction.RETRY: _retry,
         LoadAction.REPARSE: _reparse, LoadAction.REVERSE: _reverse, LoadAction.CANCEL_REVERSAL: _cancel_reversal,
         LoadAction.DOWNLOAD: _download}


# --- uploads -------------------------------------------------------------------------------------

def enabled_inbound_formats(biller):
    """The biller's enabled, not retired inbound formats (BillerFileFormat rows)."""
    return (BillerFileFormat.objects.filter(biller=biller, enabled=True, file_format__retired=False,
                                            file_format__direction="inbound")
            .select_related("file_format").order_by("file_format__code"))


def enabled_inbound_format(biller, code):
    """The FileFormat `code` when it is one of the biller's enabled inbound formats, else None."""
    row = enabled_inbound_formats(biller).filter(file_format__code=code).first()
    return row.file_format if row is not None else None


def format_not_enabled(biller, code):
    return f"{code} is not an enabled inbound format of {biller.slug}"


def size_refusal(size):
    """The one size rule of uploads (MAX_UPLOAD_MB), None when the size is within it."""
    limit = settings.MAX_UPLOAD_MB
    if size is not None and size > limit * 1024 * 1024:
        return f"The file is {size / 1024 / 1024:.1f} MB; the limit is {limit} MB (MAX_UPLOAD_MB)."
    return None


def may_upload(user):
    """`user` None is the `ingest` command run without --user (shell access is trusted)."""
    if user is not None and not _may(user, "ingest.add_load"):
        return _no(f"{user.username} may not upload files", PermissionRefused)
    return ALLOWED


def decide_upload(user, biller, code=None, size=None):
    """May `user` upload a file of `size` bytes in format `code` for `biller`?"""
    permitted = may_upload(user)
    if not permitted:
        return permitted
    if not biller.active:
        return _no(f"biller {biller.slug} is not active")
    if code is not None and enabled_inbound_format(biller, code) is None:
        return _no(format_not_enabled(biller, code))
    too_big = size_refusal(size)
    if too_big is not None:
        return _no(too_big)
    return ALLOWED
