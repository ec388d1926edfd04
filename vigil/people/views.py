from django.db import connections
from django.db.models import F
from django.db.models.functions import Collate
from django.shortcuts import render

from vigil.audit.services import Action, log
from vigil.core.paging import KeysetPaginator, capped_count, load_page, pager_links
from vigil.core.permissions import READ_PEOPLE, SEE_IDENTITY, may, requires
from vigil.core.scope import get_for_user

from .forms import PeopleFilterForm
from .models import Person
from .services import search_people

PAGE_SIZE = 50
# By name (the folded name, then id), as the index of (search_key COLLATE "C",
# id, area_path) of migration 0006 holds them: a page reads its 50 entries
# plus the other places' ones it skips in the index, never the whole scope.
BY_NAME = ("name_key", "id")


def by_name_key(queryset):
    """`queryset` with its folded name as `name_key`, in the "C" collation on
    PostgreSQL (the index's; see `vigil.people.services._by_name_key`)."""
    if connections[queryset.db].vendor == "postgresql":
        return queryset.annotate(name_key=Collate("search_key", "C"))
    return queryset.annotate(name_key=F("search_key"))


@requires(READ_PEOPLE)
def person_list(request):
    form = PeopleFilterForm(request.GET, user=request.user)
    people = form.filter_qs(Person.objects.visible_to(request.user))
    query = form.cleaned_data.get("q") if form.is_valid() else ""
    if query:
        matches = search_people(people.select_related("area"), query, limit=50)
        return render(
            request, "people/list.html", {"form": form, "matches": matches, "query": query}
        )
    total, capped = capped_count(people)
    page = KeysetPaginator(by_name_key(people), BY_NAME, PAGE_SIZE).page(
        after=request.GET.get("after"), before=request.GET.get("before")
    )
    load_page(page, lambda ids: Person.objects.filter(pk__in=ids).select_related("area"))
    return render(
        request,
        "people/list.html",
        {
            "form": form,
            "page": page,
            "total": total,
            "capped": capped,
            "pager": pager_links(request.GET, page),
        },
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
