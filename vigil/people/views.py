from django.core.paginator import Paginator
from django.shortcuts import render

from vigil.audit.services import Action, log
from vigil.core.permissions import READ_PEOPLE, SEE_IDENTITY, may, requires
from vigil.core.scope import get_for_user

from .forms import PeopleFilterForm
from .models import Person
from .services import search_people


@requires(READ_PEOPLE)
def person_list(request):
    form = PeopleFilterForm(request.GET, user=request.user)
    people = form.filter_qs(Person.objects.visible_to(request.user)).select_related("area")
    query = form.cleaned_data.get("q") if form.is_valid() else ""
    if query:
        matches = search_people(people, query, limit=50)
        return render(
            request, "people/list.html", {"form": form, "matches": matches, "query": query}
        )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request, "people/list.html", {"form": form, "page": page, "total": page.paginator.count}
    )


@requires(READ_PEOPLE)
def person_detail(request, person_id):
    person = get_for_user(Person.objects.select_related("area"), request.user, pk=person_id)
    whole = may(request.user, SEE_IDENTITY)
    log(request, Action.VIEW, person, detail={"identity_shown": whole})
    declarations = (
        person.declarations.visible_to(request.user)
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
        },
    )
