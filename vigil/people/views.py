from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from vigil.audit.services import Action, log
from vigil.core.paging import KeysetPaginator, SortChoice, capped_count, load_page, pager_links
from vigil.core.permissions import READ_PEOPLE, SEE_IDENTITY, may, requires
from vigil.core.scope import get_for_user

from .forms import PeopleFilterForm
from .models import Person
from .services import search_people, with_name_key

PAGE_SIZE = 50
MATCH_LIMIT = 50  # matches of a search shown, the best first
# By name (the folded name, then id), as the index of (search_key COLLATE "C",
# id, area_path) of migration 0006 holds them: a page reads its 50 entries
# plus the other places' ones it skips in the index, never the whole scope.
BY_NAME = ("name_key", "id")
# The same index read backwards serves Z to A; the commune order sorts the
# filtered people, so it is offered only within the count cap.
SORTS = (
    SortChoice("name", _("Full name"), BY_NAME),
    SortChoice("name_desc", _("Full name, Z to A"), ("-name_key", "-id")),
    SortChoice("commune", _("Commune"), ("area__search_key", "name_key", "id"), bounded=True),
)

# A person's page lists their latest declarations, and says when there are more.
SHOWN_DECLARATIONS = 50


@requires(READ_PEOPLE)
def person_list(request):
    form = PeopleFilterForm(request.GET, user=request.user)
    people = form.filter_qs(Person.objects.visible_to(request.user))
    query = form.cleaned_data.get("q") if form.is_valid() else ""
    if query:
        # One more than the page shows: the list then says honestly that
        # more people match instead of stopping silently at 50.
        matches = search_people(people.select_related("area__parent"), query, limit=MATCH_LIMIT + 1)
        return render(
            request,
            "people/list.html",
            {
                "form": form,
                "matches": matches[:MATCH_LIMIT],
                "more_matches": len(matches) > MATCH_LIMIT,
                "query": query,
            },
        )
    total, capped = capped_count(people)
    sort = SortChoice.pick(SORTS, request.GET.get("sort"))
    sort_refused = sort.bounded and capped
    if sort_refused:
        sort = SORTS[0]
    paginator = KeysetPaginator(with_name_key(people), sort.order, PAGE_SIZE)
    page = paginator.page(after=request.GET.get("after"), before=request.GET.get("before"))
    paginator.locate(page, total, capped)
    load_page(page, lambda ids: Person.objects.filter(pk__in=ids).select_related("area__parent"))
    return render(
        request,
        "people/list.html",
        {
            "form": form,
            "page": page,
            "total": total,
            "capped": capped,
            "pager": pager_links(request.GET, page),
            "sort": sort,
            "sorts": SORTS,
            "sort_refused": sort_refused,
            "count_cap": settings.VIGIL_LIST_COUNT_CAP,
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
        .order_by("-created_at")[: SHOWN_DECLARATIONS + 1]
    )
    declarations = list(declarations)
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "show_identity": whole,
            "declarations": declarations[:SHOWN_DECLARATIONS],
            "more_declarations": len(declarations) > SHOWN_DECLARATIONS,
            "shown_declarations": SHOWN_DECLARATIONS,
        },
    )
