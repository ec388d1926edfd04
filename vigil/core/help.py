"""The user guide ("Hướng dẫn", /huong-dan/): one chapter per task group, plus
a few chapters shared by several (entering declarations, tests, investigation,
the account), written in Markdown under docs/guide/ (Vietnamese) and
docs/guide/en/ (English, served when the interface is in English; the
Vietnamese file when a translation is missing) and rendered into the normal
layout when a page is requested (the rendering is cached until the file
changes).

Every page needs a signed-in account except the citizens' page, which the
public declaration pages link to. The pages are listed here, in menu order:
each task group's chapter names its task groups, each shared chapter the
capabilities of the screens it explains. The guide's menu lists first the
chapter of the reader's own task groups, then the shared chapters of the
screens the reader may open, then the rest. Each page has a route of its own
(no URL parameter), so the scope harness and the role × route matrix see every
one of them. The screenshots (docs/guide/img/) are taken from the demo by
docs/guide/screenshots.py (`make guide`).
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import markdown
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from . import permissions as p
from .permissions import OWN_ACCOUNT, may, public, requires
from .tasks import Task

GUIDE_DIR = Path(settings.BASE_DIR) / "docs" / "guide"
# The English chapters: same slugs, same images.
TRANSLATIONS = {"en": GUIDE_DIR / "en"}
IMG_URL = "/huong-dan/img/"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    # The task groups whose own chapter this is (SPEC §2, the seed's procedures).
    tasks: tuple = ()
    # A shared chapter: the capabilities of the screens it explains; an
    # account holding one of them finds the chapter among its own.
    capabilities: tuple = ()


PAGES = (
    Page("cong-dan", _("Citizens: declaring your arrival on a phone")),
    Page(
        "to-cong-dong",
        _("Community team: checking arrivals in the residential area"),
        (Task.COMMUNITY,),
    ),
    Page(
        "tram-y-te",
        _("Health station: people who come to declare, medical checks, tests"),
        (Task.HEALTH_STATION,),
    ),
    Page(
        "xac-minh",
        _("Digitisation and verification team: verifying arrivals, transfers"),
        (Task.DIGITISATION,),
    ),
    Page(
        "cong-an",
        _("Police: accommodation establishments and verification at home"),
        (Task.POLICE,),
    ),
    Page(
        "quan-su",
        _("Military command: verifying people in concentrated quarantine"),
        (Task.MILITARY,),
    ),
    Page("cdc-phan-loai", _("CDC: medical verification and risk rules"), (Task.CDC,)),
    Page(
        "chot-quet-qr",
        _("Checkpoints: scanning QR codes, people passing, rapid tests"),
        (Task.CHECKPOINT,),
    ),
    Page(
        "cach-ly",
        _("Quarantine facility: taking people in and the facility board"),
        (Task.FACILITY,),
    ),
    Page(
        "luu-tru",
        _("Accommodation establishments: checking guests in and out"),
        (Task.ESTABLISHMENT,),
    ),
    Page("nha-truong", _("Schools: verifying students returning to study"), (Task.SCHOOL,)),
    Page("lanh-dao", _("Leaders: dashboard, statistics and exports"), (Task.LEADER,)),
    Page("trung-tam-dieu-hanh", _("Operations centre: accounts and the audit log"), (Task.ADMIN,)),
    Page(
        "nhap-to-khai",
        _("Entering declarations: in person, paper forms and Excel files"),
        capabilities=(p.ENTER_DECLARATION,),
    ),
    Page(
        "xet-nghiem",
        _("Tests: entering results and lab sheets"),
        capabilities=(p.ENTER_TESTS, p.IMPORT_TESTS),
    ),
    Page(
        "dieu-tra",
        _("Epidemiological investigation: cases and transmission chains"),
        capabilities=(p.READ_CASES,),
    ),
    Page(
        "tai-khoan",
        _("Your account: signing in, password, two-step verification, account requests"),
        capabilities=(OWN_ACCOUNT,),
    ),
)
PUBLIC_SLUG = "cong-dan"
STYLE = (
    ("<h1", 'class="h3 mb-3"'),
    ("<h2", 'class="h5 mt-4"'),
    ("<img", 'class="img-fluid border rounded my-2" loading="lazy"'),
    ("<table", 'class="table table-sm table-bordered"'),
)
BY_SLUG = {p.slug: p for p in PAGES}


@cache
def _render(file, mtime):
    text = file.read_text(encoding="utf-8").replace("](img/", f"]({IMG_URL}")
    html = markdown.markdown(text, extensions=["tables", "toc", "sane_lists", "attr_list"])
    # Bootstrap's classes, since the policy allows no inline style: headings
    # at the size of the other pages, images that fit a phone, ruled tables.
    for tag, attrs in STYLE:
        html = html.replace(tag, f"{tag} {attrs}")
    html = html.replace("<table", '<div class="table-responsive"><table')
    html = html.replace("</table>", "</table></div>")
    return mark_safe(html)  # noqa: S308 - our own Markdown files, from the repository


def chapter_file(slug, language=None):
    """(the Markdown file of a page in `language` (the active one by default),
    its language): the translation where there is one, else the Vietnamese."""
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    folder = TRANSLATIONS.get(language)
    if folder is not None and (folder / f"{slug}.md").is_file():
        return folder / f"{slug}.md", language
    return GUIDE_DIR / f"{slug}.md", "vi"


def page_html(slug):
    """The page's Markdown file rendered to HTML (re-read when it changes),
    in the interface's language where it is translated; and that language."""
    file, language = chapter_file(slug)
    if not file.is_file():
        raise Http404
    return _render(file, file.stat().st_mtime_ns), language


def pages_for(user):
    """(the user's own pages, the others), each a list of Pages: own are the
    chapters of the user's task groups, then the shared chapters of screens
    the user may open. A visitor who is not signed in is offered the
    citizens' page only."""
    if not user.is_authenticated:
        return [], [BY_SLUG[PUBLIC_SLUG]]
    tasks = set(user.tasks) if user.is_active else set()
    own = [pg for pg in PAGES if tasks & set(pg.tasks)]
    own += [pg for pg in PAGES if not pg.tasks and any(may(user, c) for c in pg.capabilities)]
    return own, [pg for pg in PAGES if pg not in own]


def _show(request, slug):
    own, others = pages_for(request.user)
    body, language = page_html(slug)
    context = {"page": BY_SLUG.get(slug), "body": body, "lang": language, "own": own}
    context["others"] = others
    return render(request, "core/help_page.html", context)


@requires(OWN_ACCOUNT)
@require_safe
def index(request):
    """The guide's table of contents, the account's own chapters first."""
    own, others = pages_for(request.user)
    body, language = page_html("index")
    context = {"body": body, "lang": language, "own": own, "others": others}
    # The chapter of the reader's task group, offered above the contents.
    context["mine"] = [pg for pg in own if pg.tasks]
    return render(request, "core/help_index.html", context)


@requires(OWN_ACCOUNT)
@require_safe
def staff_page(request, slug):
    """A chapter of the guide for staff."""
    return _show(request, slug)


@public
@require_safe
def citizen_page(request, slug=PUBLIC_SLUG):
    """The citizens' chapter, open to anyone."""
    return _show(request, slug)


@public
@require_safe
def image(request, name):
    """A screenshot of the guide (docs/guide/img/)."""
    file = GUIDE_DIR / "img" / name
    if not file.is_file():
        raise Http404
    # A few tens of KB each: read whole (the scope harness reads every body).
    return HttpResponse(file.read_bytes(), content_type="image/png")


def urlpatterns():
    """One route per page and per screenshot: no URL parameter to sample."""
    out = [path("huong-dan/", index, name="guide")]
    for page in PAGES:
        view = citizen_page if page.slug == PUBLIC_SLUG else staff_page
        out.append(
            path(f"huong-dan/{page.slug}/", view, {"slug": page.slug}, name=f"guide-{page.slug}")
        )
    img_dir = GUIDE_DIR / "img"
    images = sorted(f.name for f in img_dir.glob("*.png")) if img_dir.is_dir() else []
    for name in images:
        out.append(path(f"huong-dan/img/{name}", image, {"name": name}))
    return out
