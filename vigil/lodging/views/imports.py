"""The paper guest register (§II.2.2.2): the province's Excel template, and
its upload. An establishment's account imports its own register; the police
choose an establishment of their area. Nothing is saved until every row is
right (vigil.lodging.imports)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from vigil.core.permissions import IMPORT_GUESTS, requires

from .. import imports
from ..forms_imports import RegisterImportForm


@requires(IMPORT_GUESTS)
def import_register(request):
    result = None
    if request.method == "POST":
        form = RegisterImportForm(request.POST, request.FILES, user=request.user, request=request)
        if form.is_valid():
            result = imports.import_register(form.cleaned_data["file"], request.user, form.chosen())
            if result.file_error:
                form.add_error("file", result.file_error)
            elif result.ok:
                messages.success(request, imports.summary(result))
                return redirect("lodging:import")
    else:
        form = RegisterImportForm(user=request.user)
    return render(
        request,
        "lodging/import.html",
        {
            "form": form,
            "result": result,
            "max_rows": imports.MAX_ROWS,
            "max_mb": imports.sheet_format().limit // (1024 * 1024),
        },
    )


@require_GET
@requires(IMPORT_GUESTS)
def import_template(request):
    response = HttpResponse(imports.template_xlsx(), content_type=imports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{imports.template_filename()}"'
    return response
