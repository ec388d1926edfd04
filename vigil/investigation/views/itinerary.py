"""The investigation page of a case ("Điều tra", R-E3): the timeline of the
person's movements, added and edited inline, and the attached files.

Every row and file is reached through a case the user may see
(`Case.objects.visible_to`): anything else answers 404. Changes go through
vigil.investigation.itinerary and .attachments.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vigil.audit.services import stale_message
from vigil.core.permissions import EDIT_CASES, READ_CASES, may, requires
from vigil.core.scope import get_for_user

from .. import attachments, itinerary
from ..forms_itinerary import AttachmentForm, EntryForm, VersionForm
from ..models import Attachment, Case, ItineraryEntry


def _add_errors(form, exc):
    errors = getattr(exc, "error_dict", None) or {None: exc.error_list}
    for field, items in errors.items():
        form.add_error(field if field in form.fields else None, items)


def _stale(form, current):
    """Keep what the user typed; only the version moves on, so that a second
    save after reviewing goes through."""
    form.add_error(None, stale_message(current))
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = current.version


def _case_for(request, case_id):
    return get_for_user(
        Case.objects.select_related("person__area", "detection", "residence", "outbreak"),
        request.user,
        pk=case_id,
    )


def _visible_cases(user):
    return Case.objects.visible_to(user).values("pk")


def _entry_for(request, entry_id):
    qs = ItineraryEntry.objects.select_related("case", "outbreak", "place")
    return get_object_or_404(qs.filter(case__in=_visible_cases(request.user)), pk=entry_id)


def _attachment_for(request, attachment_id):
    qs = Attachment.objects.select_related("case")
    return get_object_or_404(qs.filter(case__in=_visible_cases(request.user)), pk=attachment_id)


def _require_edit(request):
    if not may(request.user, EDIT_CASES):
        raise PermissionDenied


def _render_page(request, case, entry_form=None, upload_form=None, status=200):
    may_edit = may(request.user, EDIT_CASES)
    entries = list(case.itinerary.select_related("outbreak", "place"))
    context = {
        "case": case,
        "person": case.person,
        "entries": entries,
        "attachments": list(case.attachments.select_related("uploaded_by")),
        "may_edit": may_edit,
        "entry_form": entry_form or EntryForm(user=request.user, prefix="new"),
        "upload_form": upload_form or AttachmentForm(),
        "accept": attachments.ACCEPT,
        "max_mb": settings.VIGIL_ATTACHMENT_MAX_MB,
    }
    return render(request, "investigation/investigation.html", context, status=status)


@require_http_methods(["GET", "POST"])
@requires(READ_CASES)
def investigation(request, case_id):
    """GET: the page. POST: the inline add row at the bottom of the timeline."""
    case = _case_for(request, case_id)
    if request.method == "GET":
        return _render_page(request, case)
    _require_edit(request)
    form = EntryForm(request.POST, user=request.user, prefix="new")
    if form.is_valid():
        try:
            itinerary.add_entry(case, actor=request.user, fields=form.values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The itinerary row was added."))
            return redirect("investigation:investigation", case.pk)
    return _render_page(request, case, entry_form=form, status=422)


def _entry_response(request, entry, form=None, editing=False, status=200):
    """The row, or its edit form: a table row for htmx, a page otherwise."""
    context = {"entry": entry, "form": form, "may_edit": may(request.user, EDIT_CASES)}
    if request.headers.get("HX-Request"):
        template = "investigation/_entry_form.html" if editing else "investigation/_entry_row.html"
        return render(request, template, context, status=status)
    context["case"] = entry.case
    return render(request, "investigation/entry_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@requires(EDIT_CASES)
def entry_edit(request, entry_id):
    entry = _entry_for(request, entry_id)
    if request.method == "GET":
        if request.GET.get("view") and request.headers.get("HX-Request"):
            return _entry_response(request, entry)  # the cancel of an inline edit
        return _entry_response(request, entry, EntryForm(user=request.user, instance=entry), True)
    form = EntryForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            entry = itinerary.update_entry(
                entry,
                actor=request.user,
                version=form.cleaned_data["version"],
                fields=form.values(),
            )
        except itinerary.StaleEntry as exc:
            _stale(form, exc.current)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if request.headers.get("HX-Request"):
                return _entry_response(request, entry)
            messages.success(request, _("The itinerary row was changed."))
            return redirect("investigation:investigation", entry.case_id)
    return _entry_response(request, entry, form, True, status=422)


@require_POST
@requires(EDIT_CASES)
def entry_delete(request, entry_id):
    entry = _entry_for(request, entry_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
    else:
        try:
            itinerary.delete_entry(entry, actor=request.user, version=form.cleaned_data["version"])
        except itinerary.StaleEntry as exc:
            messages.error(request, stale_message(exc.current))
        else:
            messages.success(request, _("The itinerary row was deleted."))
    return redirect("investigation:investigation", entry.case_id)


# Attachments ------------------------------------------------------------------


@csrf_exempt
@require_POST
@requires(EDIT_CASES)
def attachment_upload(request, case_id):
    """The upload is bounded by the attachment limit while it streams in: the
    handlers are set before the body is read, hence CSRF checked here, after."""
    attachments.use_attachment_handlers(request)
    return _upload(request, case_id)


@csrf_protect
def _upload(request, case_id):
    case = _case_for(request, case_id)
    form = AttachmentForm(request.POST, request.FILES, request=request)
    if form.is_valid():
        try:
            attachment = attachments.attach(
                case, actor=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("The file “%(name)s” was attached.") % {"name": attachment.name}
            )
            return redirect("investigation:investigation", case.pk)
    return _render_page(request, case, upload_form=form, status=422)


@require_GET
@requires(READ_CASES)
def attachment_download(request, attachment_id):
    attachment = _attachment_for(request, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    attachments.record_download(request.user, attachment)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@requires(EDIT_CASES)
def attachment_delete(request, attachment_id):
    attachment = _attachment_for(request, attachment_id)
    attachments.delete_attachment(attachment, actor=request.user)
    messages.success(request, _("The file “%(name)s” was deleted.") % {"name": attachment.name})
    return redirect("investigation:investigation", attachment.case_id)
