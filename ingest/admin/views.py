"""The load workflow's admin pages: upload, approve, reject, retry, re-parse.

Each view is wrapped by `admin_site.admin_view` (staff login) and checks its model
permission itself. Confirmation pages act only on POST, like `delete_selected`.
"""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from billers.models import Biller
from ingest import pipeline
from ingest.forms import ApproveForm, BillerForm, RejectForm, UploadForm
from ingest.lifecycle import PermissionRefused, Refused
from ingest.models import LoadStatus


def change_url(load):
    return reverse("admin:ingest_load_change", args=[load.pk])


def render(model_admin, request, template, status=200, **context):
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **context}
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, f"admin/ingest/load/{template}", context, status=status)


def refused(model_admin, request, message, load=None):
    """A refusal the user may not override: 403 with the reason."""
    return render(model_admin, request, "refused.html", status=403, load=load, message=message,
                  title="Not allowed")


def get_load(model_admin, request, object_id):
    load = model_admin.get_object(request, object_id)
    if load is None:
        raise Http404("no such load")
    if not model_admin.has_view_permission(request, load):
        raise PermissionDenied
    return load


def upload_view(model_admin, request):
    if not request.user.has_perm("ingest.add_load"):
        raise PermissionDenied
    raw = request.POST.get("biller") or request.GET.get("biller") or ""
    biller = Biller.objects.filter(active=True, pk=raw).first() if raw.isdigit() else None
    if biller is None:
        form = BillerForm(request.GET or None)
        return render(model_admin, request, "upload.html", form=form, biller=None, title="Upload a partner file")
    form = UploadForm(request.POST or None, request.FILES or None, biller=biller)
    if request.method == "POST" and form.is_valid():
        try:
            load = pipeline.upload(biller, form.cleaned_data["file_format"], form.cleaned_data["file"],
                                   request.user, allow_duplicate=form.cleaned_data["allow_duplicate"])
        except PermissionRefused as exc:
            return refused(model_admin, request, str(exc))
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            load = pipeline.start_parse(load, request.user)
            level = messages.ERROR if load.status == LoadStatus.PARSE_FAILED else messages.INFO
            messages.add_message(request, level, f"Load {load.pk} ({load.original_name}) is "
                                 f"{load.get_status_display()}." + (f" {load.failure}" if load.failure else ""))
            if load.duplicate_of_id:
                messages.warning(request, duplicate_message(load))
            return HttpResponseRedirect(change_url(load))
    return render(model_admin, request, "upload.html", form=form, biller=biller,
                  title=f"Upload a partner file for {biller}")


def duplicate_message(load):
    """What the upload result says about a file that was already loaded."""
    first = load.duplicate_of
    said = (f"This file was already loaded for {load.biller} as load {first.pk} ({first.original_name}). ")
    if load.allow_duplicate:
        return said + "You ticked 'load it again on purpose': approval will not ask again."
    return said + "Approving it will ask once whether to load it again on purpose."


def _approval_refusal(request, load):
    if not request.user.has_perm("ingest.approve_load"):
        return f"{request.user.username} may not approve or reject loads"
    return None


def approve_view(model_admin, request, object_id):
    load = get_load(model_admin, request, object_id)
    message = _approval_refusal(request, load)
    if message is None and load.biller.requires_second_approver and load.uploaded_by_id == request.user.pk:
        message = f"{load.biller} requires a second person: the uploader cannot approve the load"
    if message:
        return refused(model_admin, request, message, load)
    if load.status != LoadStatus.PARSED:
        messages.error(request, f"Load {load.pk} is {load.get_status_display()}; only a parsed load can be approved.")
        return HttpResponseRedirect(change_url(load))
    empty = pipeline.nothing_to_load(load)
    if empty:
        return render(model_admin, request, "approve.html", status=409, load=load, form=None, empty=empty,
                      title=f"Approve load {load.pk}", plan=load.plan or {})
    form = ApproveForm(request.POST or None, load=load)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline.approve(load, request.user, acknowledge_errors=form.cleaned_data["acknowledge_errors"],
                             allow_duplicate=form.cleaned_data["allow_duplicate"], note=form.cleaned_data["note"])
        except PermissionRefused as exc:
            return refused(model_admin, request, str(exc), load)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            load = pipeline.start_load(load, request.user)
            level = messages.ERROR if load.status == LoadStatus.LOAD_FAILED else messages.SUCCESS
            messages.add_message(request, level, f"Load {load.pk} approved; it is {load.get_status_display()}."
                                 + (f" {load.failure}" if load.failure else ""))
            return HttpResponseRedirect(change_url(load))
    return render(model_admin, request, "approve.html", load=load, form=form, title=f"Approve load {load.pk}",
                  duplicate=pipeline.find_duplicate(load), plan=load.plan or {})


def reject_view(model_admin, request, object_id):
    load = get_load(model_admin, request, object_id)
    message = _approval_refusal(request, load)
    if message:
        return refused(model_admin, request, message, load)
    if load.status != LoadStatus.PARSED:
        messages.error(request, f"Load {load.pk} is {load.get_status_display()}; only a parsed load can be rejected.")
        return HttpResponseRedirect(change_url(load))
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline.reject(load, request.user, form.cleaned_data["reason"])
        except PermissionRefused as exc:
            return refused(model_admin, request, str(exc), load)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Load {load.pk} rejected.")
            return HttpResponseRedirect(change_url(load))
    return render(model_admin, request, "reject.html", load=load, form=form, title=f"Reject load {load.pk}")


def _confirm_view(model_admin, request, object_id, action, verb, explanation, perm):
    load = get_load(model_admin, request, object_id)
    if not request.user.has_perm(perm(load)):
        return refused(model_admin, request, f"{request.user.username} may not {verb.lower()} this load", load)
    if request.method == "POST":
        try:
            load = action(load, request.user)
        except PermissionRefused as exc:
            return refused(model_admin, request, str(exc), load)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.info(request, f"Load {load.pk} is {load.get_status_display()}."
                          + (f" {load.failure}" if load.failure else ""))
        return HttpResponseRedirect(change_url(load))
    return render(model_admin, request, "confirm.html", load=load, verb=verb, explanation=explanation,
                  title=f"{verb} load {load.pk}")


def retry_view(model_admin, request, object_id):
    return _confirm_view(model_admin, request, object_id, pipeline.retry, "Retry",
                         "The failed (or stopped) parse or load runs again from the start; "
                         "a load is all or nothing, so nothing is written twice.",
                         lambda load: "ingest.add_load" if load.status in pipeline.RETRY_PARSE else "ingest.approve_load")


def reparse_view(model_admin, request, object_id):
    return _confirm_view(model_admin, request, object_id, pipeline.reparse, "Re-parse",
                         "The stored file is parsed again and the preview recomputed against the current "
                         "database; the load then needs a new approval.", lambda load: "ingest.add_load")
