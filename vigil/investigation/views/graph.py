"""The transmission chain pages: an outbreak's or a case's connected
component of the chain, drawn by static/investigation/chain.js (cytoscape)
from the `*_data` JSON (vigil.investigation.graph)."""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from vigil.core.permissions import READ_CASES, requires
from vigil.core.scope import get_for_user

from ..graph import chain_graph, outbreak_seeds
from ..models import Case, Outbreak


def _outbreak(request, outbreak_id):
    return get_for_user(Outbreak.objects.select_related("area"), request.user, pk=outbreak_id)


def _case(request, case_id):
    return get_for_user(Case.objects.all(), request.user, pk=case_id)


def _page(request, *, title, data_url, subject):
    return render(
        request,
        "investigation/chain.html",
        {"title": title, "data_url": data_url, "subject": subject},
    )


@require_GET
@requires(READ_CASES)
def outbreak_chain(request, outbreak_id):
    outbreak = _outbreak(request, outbreak_id)
    return _page(
        request,
        title=outbreak.name,
        data_url=reverse("investigation:outbreak-chain-data", args=[outbreak.pk]),
        subject=outbreak,
    )


@require_GET
@requires(READ_CASES)
def outbreak_chain_data(request, outbreak_id):
    outbreak = _outbreak(request, outbreak_id)
    return JsonResponse(chain_graph(request.user, outbreak_seeds(outbreak)))


@require_GET
@requires(READ_CASES)
def case_chain(request, case_id):
    case = _case(request, case_id)
    return _page(
        request,
        title=case.code or case.level_label,
        data_url=reverse("investigation:case-chain-data", args=[case.pk]),
        subject=case,
    )


@require_GET
@requires(READ_CASES)
def case_chain_data(request, case_id):
    case = _case(request, case_id)
    return JsonResponse(chain_graph(request.user, [case.pk]))
