from django.core.paginator import Paginator
from django.shortcuts import render

from vigil.accounts.decorators import task_required
from vigil.audit.services import Action, log
from vigil.core.modules import STAFF
from vigil.core.scope import get_for_user
from vigil.declarations.models import Declaration
from vigil.testing.summary import attach_test_summaries, tests_summary

from .forms import PeopleFilterForm
from .models import Person
from .permissions import may_see_identity
from .services import search_people


@task_required(*STAFF)
def person_list(request):
    form = PeopleFilterForm(request.GET, user=request.user)
    people = form.filter_qs(Person.objects.visible_to(request.user)).select_related("area")
    query = form.cleaned_data.get("q") if form.is_valid() else ""
    if query:
        matches = search_people(people, query, limit=50)
        attach_test_summaries(request.user, [m.person for m in matches])
        return render(
            request, "people/list.html", {"form": form, "matches": matches, "query": query}
        )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    attach_test_summaries(request.user, page)
    return render(
        request, "people/list.html", {"form": form, "page": page, "total": page.paginator.count}
    )


@task_required(*STAFF)
def person_detail(request, person_id):
    person = get_for_user(Person.objects.select_related("area"), request.user, pk=person_id)
    whole = may_see_identity(request.user)
    log(request, Action.VIEW, person, detail={"identity_shown": whole})
    declarations = (
        Declaration.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("area")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "show_identity": whole,
            "declarations": declarations,
            "tests": tests_summary(request.user, [person.pk])[person.pk],
        },
    )
