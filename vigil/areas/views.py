from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from vigil.core.permissions import public

from .models import AdminUnit


@public
@require_GET
@cache_control(max_age=3600, public=True)
def unit_options(request):
    """<option>s of the units under a parent unit (a pk), for dependent selects (htmx).

    Public reference data: the public declaration form uses it too.
    """
    units = AdminUnit.objects.none()
    # `from` names the parameter holding the parent, so that a <select> can send
    # itself (htmx sends the element's own name=value).
    parent = request.GET.get(request.GET.get("from", "parent"), "")
    if parent.isdigit():
        units = AdminUnit.objects.active_tree().filter(parent_id=int(parent)).order_by("code")
        level = request.GET.get("level", "")
        if level.isdigit():
            units = units.filter(level=int(level))
    return render(request, "areas/options.html", {"units": units})
