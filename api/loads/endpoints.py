"""/api/v1/loads/: the load actions for staff tools (scripts, a desk), over the same rules as the
admin's buttons: what a user may do with a load is `ingest.actions.decide`, and each action
goes through the same pipeline function, which enforces it. The API only turns a refusal into
an error answer with the reason: 403 (permission, four eyes), 409 (the load's status), 400
(anything else: a missing reason, errors not acknowledged, a duplicate without the override).

Authentication is the admin's session (an active staff user; Django's CSRF check applies to
POSTs, as django-ninja's SessionAuth does). Heavy work is queued for the workers, as from the
admin: an answer gives the load's status right after queuing.
"""
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Schema
from ninja.security import SessionAuth

from ingest import pipeline
from ingest.actions import LoadAction, allowed_actions, decide
from ingest.lifecycle import PermissionRefused, Refused, StateRefused
from ingest.models import Load, LoadStatus


class StaffSession(SessionAuth):
    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active and user.is_staff else None


api = NinjaAPI(title="IC portal load actions", version="1", urls_namespace="api_loads", auth=StaffSession(),
               openapi_url="/schema/", docs_url="/docs/",
               description="What a signed-in staff user may do with a load, and doing it (the admin's rules).")


class Error(Schema):
    Error: str = Field(description="Why the request was refused.")


class ActionOut(Schema):
    action: str
    allowed: bool
    reason: str = Field(description="Why not, when not allowed.")


class LoadActions(Schema):
    load: int
    status: str
    actions: list[ActionOut]


class LoadOut(Schema):
    load: int
    status: str
    failure: str


class ApproveIn(Schema):
    acknowledge_errors: bool = False
    allow_duplicate: bool = False
    note: str = Field("", max_length=500)


class ReasonIn(Schema):
    reason: str = Field("", max_length=2000)


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error}


def status_of(refusal):
    if isinstance(refusal, PermissionRefused):
        return 403
    if isinstance(refusal, StateRefused):
        return 409
    return 400


@api.exception_handler(Refused)
def refused(request, exc):
    return api.create_response(request, {"Error": str(exc)}, status=status_of(exc))


def visible_load(request, load_id):
    """The load, when the user may view loads (a 403 with the reason otherwise)."""
    load = get_object_or_404(Load.objects.select_related("biller", "file_format"), pk=load_id)
    viewing = decide(request.auth, load, LoadAction.DOWNLOAD)
    if viewing.forbidden:
        viewing.enforce()
    return load


def answer(load):
    load.refresh_from_db()
    return {"load": load.pk, "status": load.status, "failure": load.failure}


@api.get("/{load_id}/actions", response={200: LoadActions, **ERRORS}, summary="What the user may do with the load")
def actions(request, load_id: int):
    load = visible_load(request, load_id)
    return {"load": load.pk, "status": load.status,
            "actions": [{"action": action.value, "allowed": decision.allowed, "reason": decision.reason}
                        for action, decision in allowed_actions(request.auth, load).items()]}


@api.post("/{load_id}/approve", response={200: LoadOut, **ERRORS}, summary="Approve a parsed load and queue it")
def approve(request, load_id: int, payload: ApproveIn):
    load = visible_load(request, load_id)
    pipeline.approve(load, request.auth, acknowledge_errors=payload.acknowledge_errors,
                     allow_duplicate=payload.allow_duplicate, note=payload.note)
    return answer(pipeline.start_load(load, request.auth))


@api.post("/{load_id}/reject", response={200: LoadOut, **ERRORS}, summary="Reject a parsed load (a reason needed)")
def reject(request, load_id: int, payload: ReasonIn):
    load = visible_load(request, load_id)
    return answer(pipeline.reject(load, request.auth, payload.reason))


@api.post("/{load_id}/retry", response={200: LoadOut, **ERRORS}, summary="Run a failed or stuck parse or load again")
def retry(request, load_id: int):
    return answer(pipeline.retry(visible_load(request, load_id), request.auth))


@api.post("/{load_id}/reparse", response={200: LoadOut, **ERRORS}, summary="Parse the load's file again")
def reparse(request, load_id: int):
    return answer(pipeline.reparse(visible_load(request, load_id), request.auth))


@api.post("/{load_id}/cancel_reversal", response={200: LoadOut, **ERRORS},
          summary="Withdraw or decline a requested reversal (the load stays loaded)")
def cancel_reversal(request, load_id: int):
    return answer(pipeline.cancel_reversal(visible_load(request, load_id), request.auth))


@api.post("/{load_id}/reverse", response={200: LoadOut, **ERRORS},
          summary="Request the reversal of a loaded load (a reason needed), or confirm a requested one")
def reverse(request, load_id: int, payload: ReasonIn):
    load = pipeline.reverse(visible_load(request, load_id), request.auth, payload.reason)
    if load.status == LoadStatus.REVERSAL_CONFIRMED:
        load = pipeline.start_reversal(load, request.auth)
    return answer(load)
