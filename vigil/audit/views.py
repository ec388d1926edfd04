from django.core.paginator import Paginator
from django.shortcuts import render

from vigil.accounts.decorators import task_required
from vigil.accounts.models import Task

from .forms import AuditFilterForm
from .models import AuditEvent


@task_required(Task.ADMIN)
def event_list(request):
    form = AuditFilterForm(request.GET or None)
    qs = AuditEvent.objects.visible_to(request.user)
    if form.is_bound:
        qs = form.filter_qs(qs)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(
        request, "audit/list.html", {"form": form, "page": page, "total": page.paginator.count}
    )
