from django.core.paginator import Paginator
from django.shortcuts import render

from vigil.core.permissions import READ_AUDIT, requires

from .describe import describe
from .forms import AuditFilterForm
from .models import AuditEvent


@requires(READ_AUDIT)
def event_list(request):
    form = AuditFilterForm(request.GET or None)
    qs = AuditEvent.objects.visible_to(request.user).select_related("actor")
    if form.is_bound:
        qs = form.filter_qs(qs)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "rows": [describe(event) for event in page],
            "total": page.paginator.count,
        },
    )
