"""The load workflow's admin pages: upload, approve, reject, retry, re-parse, reverse and the
downloads, as methods of LoadAdmin (`get_urls` wraps each with `admin_site.admin_view`).

Whether the user may act is `ingest.actions.decide` (the one rule function, which the
pipeline enforces again); a view only turns its refusal into a 403 page with the reason (a
permission or four-eyes refusal), a message (the load's status changed meanwhile) or a form
error (a missing reason, an acknowledgement not given). Confirmation pages act only on POST,
like `delete_selected`.
"""
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from billers.models import Biller
from icportal.human_csv import csv_download
from ingest import pipeline, reports
from ingest.actions import LoadAction, decide, may_upload
from ingest.forms import ApproveForm, BillerForm, RejectForm, UploadForm
from ingest.lifecycle import PermissionRefused, Refused, StateRefused
from ingest.models import LoadStatus


def change_url(load):
    return reverse("admin:ingest_load_change", args=[load.pk])


class ReverseForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000,
                             help_text="Why the load is reversed; kept in its events and history.")


def duplicate_message(load):
    """What the upload result says about a file that was already loaded."""
    first = load.duplicate_of
    said = (f"This file was already loaded for {load.biller} as load {first.pk} ({first.original_name}). ")
    if load.allow_duplicate:
        return said + "You ticked 'load it again on purpose': approval will not ask again."
    return said + "Approving it will ask once whether to load it again on purpose."


class LoadWorkflowViews:
    """Mixed into LoadAdmin: its custom pages."""

    def render(self, request, template, status=200, **context):
        context = {**self.admin_site.each_context(request), "opts": self.opts, **context}
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"admin/ingest/load/{template}", context, status=status)

    def refused(self, request, message, load=None):
        """A refusal the user may not override: 403 with the reason."""
        return self.render(request, "refused.html", status=403, load=load, message=message, title="Not allowed")

    def get_load(self, request, object_id):
        load = self.get_object(request, object_id)
        if load is None:
            raise Http404("no such load")
        if not self.has_view_permission(request, load):
            raise PermissionDenied
        return load

    def decided(self, request, load, action):
        """None when the user may act on the load; otherwise the response for the refusal: 403
        for permission and four eyes, back to the load page with the reason for the rest."""
        decision = decide(request.user, load, action)
        if decision:
            return None
        if decision.forbidden:
            return self.refused(request, decision.reason, load)
        messages.error(request, decision.reason[:1].upper() + decision.reason[1:] + ".")
        return HttpResponseRedirect(change_url(load))

    def upload_view(self, request):
        permitted = may_upload(request.user)
        if not permitted:
            raise PermissionDenied(permitted.reason)
        raw = request.POST.get("biller") or request.GET.get("biller") or ""
        biller = Biller.objects.filter(active=True, pk=raw).first() if raw.isdigit() else None
        if biller is None:
            form = BillerForm(request.GET or None)
            return self.render(request, "upload.html", form=form, biller=None, title="Upload a partner file")
        form = UploadForm(request.POST or None, request.FILES or None, biller=biller)
        if request.method == "POST" and form.is_valid():
            try:
                load = pipeline.upload(biller, form.cleaned_data["file_format"], form.cleaned_data["file"],
                                       request.user, allow_duplicate=form.cleaned_data["allow_duplicate"])
            except PermissionRefused as exc:
                return self.refused(request, str(exc))
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
        return self.render(request, "upload.html", form=form, biller=biller,
                           title=f"Upload a partner file for {biller}")

    def approve_view(self, request, object_id):
        load = self.get_load(request, object_id)
        decision = decide(request.user, load, LoadAction.APPROVE)
        if decision.forbidden:
            return self.refused(request, decision.reason, load)
        if not decision and decision.refusal is StateRefused:
            messages.error(request, f"Load {load.pk} is {load.get_status_display()}; only a parsed load can be "
                           "approved.")
            return HttpResponseRedirect(change_url(load))
        empty = pipeline.nothing_to_load(load)
        if empty:
            return self.render(request, "approve.html", status=409, load=load, form=None, empty=empty,
                               title=f"Approve load {load.pk}", plan=load.plan or {})
        form = ApproveForm(request.POST or None, load=load)
        if request.method == "POST" and form.is_valid():
            try:
                pipeline.approve(load, request.user, acknowledge_errors=form.cleaned_data["acknowledge_errors"],
                                 allow_duplicate=form.cleaned_data["allow_duplicate"], note=form.cleaned_data["note"])
            except PermissionRefused as exc:
                return self.refused(request, str(exc), load)
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                load = pipeline.start_load(load, request.user)
                level = messages.ERROR if load.status == LoadStatus.LOAD_FAILED else messages.SUCCESS
                messages.add_message(request, level, f"Load {load.pk} approved; it is {load.get_status_display()}."
                                     + (f" {load.failure}" if load.failure else ""))
                return HttpResponseRedirect(change_url(load))
        return self.render(request, "approve.html", load=load, form=form, title=f"Approve load {load.pk}",
                           duplicate=pipeline.find_duplicate(load), plan=load.plan or {})

    def reject_view(self, request, object_id):
        load = self.get_load(request, object_id)
        refusal = self.decided(request, load, LoadAction.REJECT)
        if refusal:
            return refusal
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                pipeline.reject(load, request.user, form.cleaned_data["reason"])
            except PermissionRefused as exc:
                return self.refused(request, str(exc), load)
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Load {load.pk} rejected.")
                return HttpResponseRedirect(change_url(load))
        return self.render(request, "reject.html", load=load, form=form, title=f"Reject load {load.pk}")

    def _confirm(self, request, object_id, action, run, explanation):
        load = self.get_load(request, object_id)
        decision = decide(request.user, load, action)
        if decision.forbidden:
            return self.refused(request, decision.reason, load)
        verb = action.label
        if request.method == "POST":
            try:
                load = run(load, request.user)
            except PermissionRefused as exc:
                return self.refused(request, str(exc), load)
            except Refused as exc:
                messages.error(request, str(exc))
            else:
                messages.info(request, f"Load {load.pk} is {load.get_status_display()}."
                              + (f" {load.failure}" if load.failure else ""))
            return HttpResponseRedirect(change_url(load))
        return self.render(request, "confirm.html", load=load, verb=verb, explanation=explanation,
                           title=f"{verb} load {load.pk}")

    def retry_view(self, request, object_id):
        return self._confirm(request, object_id, LoadAction.RETRY, pipeline.retry,
                             "The failed (or stopped) parse or load runs again from the start; "
                             "a load is all or nothing, so nothing is written twice.")

    def reparse_view(self, request, object_id):
        return self._confirm(request, object_id, LoadAction.REPARSE, pipeline.reparse,
                             "The stored file is parsed again and the preview recomputed against the current "
                             "database; the load then needs a new approval.")

    def reverse_view(self, request, object_id):
        """Request a reversal (with its reason) or, as the second person, confirm one."""
        load = self.get_load(request, object_id)
        refusal = self.decided(request, load, LoadAction.REVERSE)
        if refusal:
            return refusal
        confirming = load.status == LoadStatus.REVERSAL_REQUESTED
        form = None if confirming else ReverseForm(request.POST or None)
        if request.method == "POST" and (confirming or form.is_valid()):
            try:
                load = pipeline.reverse(load, request.user, "" if confirming else form.cleaned_data["reason"])
            except PermissionRefused as exc:
                return self.refused(request, str(exc), load)
            except Refused as exc:
                if form is None:
                    messages.error(request, str(exc))
                    return HttpResponseRedirect(change_url(load))
                form.add_error(None, str(exc))
            else:
                if load.status == LoadStatus.REVERSAL_CONFIRMED:
                    load = pipeline.start_reversal(load, request.user)
                level = messages.ERROR if load.failure else messages.SUCCESS
                messages.add_message(request, level, f"Load {load.pk} is {load.get_status_display()}."
                                     + (f" {load.failure}" if load.failure else ""))
                return HttpResponseRedirect(change_url(load))
        return self.render(request, "reverse.html", load=load, form=form, confirming=confirming,
                           title=f"{'Confirm the reversal of' if confirming else 'Reverse'} load {load.pk}")

    def cancel_reversal_view(self, request, object_id):
        return self._confirm(request, object_id, LoadAction.CANCEL_REVERSAL, pipeline.cancel_reversal,
                             "The requested reversal is withdrawn (or declined): the load stays loaded and "
                             "nothing is restored. Its events keep the request and the cancellation.")

    def download_view(self, request, object_id, what):
        """The error report CSV, the IC standard file or the original file; streamed."""
        load = self.get_load(request, object_id)
        decision = decide(request.user, load, LoadAction.DOWNLOAD, what=what)
        if decision.forbidden:
            raise PermissionDenied(decision.reason)
        if not decision:
            raise Http404(decision.reason)
        if what == "original":
            return FileResponse(load.file.open("rb"), as_attachment=True, filename=load.original_name
                                or f"load-{load.pk}", content_type="application/octet-stream")
        if what == "errors":
            return csv_download(f"load-{load.pk}-errors.csv", reports.error_report(load))
        if what == "ic":
            return csv_download(f"load-{load.pk}-ic-standard.csv", reports.ic_file(load))
        raise Http404("no such download")
