"""Template tags of the lists: the filter panel with its chips, and the
column headers that sort.

    {% load list_tools %}
    {% filterpanel form skip="tab" %}<form id="filter-form">...</form>{% endfilterpanel %}
    <th{% sort_aria asc="oldest" desc="newest" %}>
      {% sort_link _("Declared at") asc="oldest" desc="newest" first="desc" %}</th>
"""

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from vigil.core.filter_chips import active_filters, clear_url
from vigil.core.paging import list_url

register = template.Library()


class FilterPanelNode(template.Node):
    def __init__(self, nodelist, form, skip):
        self.nodelist, self.form, self.skip = nodelist, form, skip

    def render(self, context):
        form = self.form.resolve(context)
        skip = self.skip.resolve(context) if self.skip else ""
        skip = tuple(name for name in skip.split(",") if name)
        params = context["request"].GET
        chips = active_filters(form, params, skip=skip)
        return render_to_string(
            "core/filter_panel.html",
            {
                "content": mark_safe(self.nodelist.render(context)),  # noqa: S308 rendered template
                "chips": chips,
                "clear_url": clear_url(form, params, skip=skip) if len(chips) > 1 else "",
                "open": form.is_bound and bool(form.errors),
            },
        )


@register.tag
def filterpanel(parser, token):
    """The filter form between {% filterpanel form %} and {% endfilterpanel %},
    folded behind one "Filter" button on phones, with the active filters as
    removable chips below it at every size."""
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError("{% filterpanel form [skip='a,b'] %}")
    skip = None
    if len(bits) == 3:
        if not bits[2].startswith("skip="):
            raise template.TemplateSyntaxError("filterpanel: only skip= is allowed")
        skip = parser.compile_filter(bits[2][len("skip=") :])
    nodelist = parser.parse(("endfilterpanel",))
    parser.delete_first_token()
    return FilterPanelNode(nodelist, parser.compile_filter(bits[1]), skip)


def _state(context, asc, desc):
    key = getattr(context.get("sort"), "key", None)
    if desc and key == desc:
        return "descending"
    if asc and key == asc:
        return "ascending"
    return None


@register.simple_tag(takes_context=True)
def sort_aria(context, asc="", desc=""):
    """aria-sort="..." for a column header sorted now (a leading space)."""
    state = _state(context, asc, desc)
    return format_html(' aria-sort="{}"', state) if state else ""


@register.simple_tag(takes_context=True)
def sort_link(context, label, asc="", desc="", first="asc", id=""):
    """A column header's link: the other direction when the list is sorted by
    it, else its first direction; an arrow shows the current one."""
    state = _state(context, asc, desc)
    if state == "descending":
        key = asc or desc
    elif state == "ascending":
        key = desc or asc
    else:
        key = desc if (first == "desc" and desc) or not asc else asc
    url = list_url(context["request"].GET, sort=key)
    arrow = {"ascending": "▲", "descending": "▼"}.get(state, "↕")
    title = _("Sort by this column")
    return format_html(
        '<a href="{}" id="{}" class="sort-link" title="{}">{} '
        '<span class="sort-arrow" aria-hidden="true">{}</span></a>',
        url,
        id or f"sort-{asc or desc}",
        title,
        label,
        arrow,
    )


@register.inclusion_tag("core/sort_menu.html", takes_context=True)
def sort_menu(context, sorts, phone_only=True):
    """The orders of a list as a menu, for phones: there the table's header
    row (whose cells are the sort links) is hidden, one card per row. At every
    size (`phone_only=False`) where an order has no column of its own."""
    current = context.get("sort")
    params = context["request"].GET
    return {
        "phone_only": phone_only,
        "current": current,
        "choices": [
            (choice, list_url(params, sort=choice.key), choice.key == getattr(current, "key", None))
            for choice in sorts
        ],
    }
