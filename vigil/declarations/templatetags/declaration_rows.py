"""``{% declaration_rows page tests %}``: the rows of the staff declaration list.

Built in Python rather than by the template engine: the engine spent about
half a millisecond a row resolving its variables, half the CPU of a page of
50 (bench/README.md, "lists.py"). The markup is the one the template wrote;
`tests/declarations/test_list_rows.py` checks it cell by cell.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from vigil.areas.templatetags.places import district_of
from vigil.core.templatetags.vigil import dmy, dt, url_of

register = template.Library()

ROW = (
    '\n    <tr id="declaration-{pk}">\n'
    '      <td><a href="{detail}" class="secret">{code}</a></td>\n'
    '      <td><a href="{detail}">{name}</a></td>\n'
    "      <td>{id_number}</td>\n"
    "      <td>{phone}</td>\n"
    "      <td>{commune}{district}</td>\n"
    "      <td>{arrival}</td>\n"
    "      <td>{kind}</td>\n"
    "      <td>{channel}</td>\n"
    "      <td>{declared}</td>\n"
    '    <td><span class="badge risk-{colour}">{colour_label}</span></td><td>{tests}</td></tr>'
)
DISTRICT = '<div class="small text-muted district">{}</div>'


@register.simple_tag
def declaration_rows(page, tests):
    """`tests`: {declaration id: the test summary's HTML} (testing's `test_cells`)."""
    rows = []
    for d in page:
        person, area = d.person, d.area
        district = district_of(area)
        rows.append(
            format_html(
                ROW,
                pk=d.pk,
                detail=url_of(d.pk, "declarations:detail"),
                code=d.code,
                name=person.full_name,
                id_number=person.masked_id_number,
                phone=person.masked_phone,
                commune=area.name if area else "",
                district=format_html(DISTRICT, district) if district else "",
                arrival=dmy(d.arrival_date),
                kind=d.get_registration_kind_display(),
                channel=d.get_channel_display(),
                declared=dt(d.created_at),
                colour=d.risk_colour,
                colour_label=d.get_risk_colour_display(),
                tests=tests.get(d.pk, ""),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308  (each row built by format_html)
