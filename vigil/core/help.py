"""The user guide ("Hướng dẫn", /huong-dan/): one page per role or journey,
written in Markdown under docs/guide/ and rendered into the normal layout when
a page is requested (the rendering is cached until the file changes).

Every page needs a signed-in account except the citizens' page, which the
public declaration pages link to. The pages are listed here, in menu order,
with the capabilities of the screens they explain: the guide's menu puts the
chapters of the screens the reader may open first. Each page has a route of
its own (no URL parameter), so the scope harness and the role × route matrix
see every one of them. The screenshots (docs/guide/img/) are taken from the
demo by docs/guide/screenshots.py.
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
from django.views.decorators.http import require_safe

from . import permissions as p
from .permissions import OWN_ACCOUNT, may, public, requires

GUIDE_DIR = Path(settings.BASE_DIR) / "docs" / "guide"
IMG_URL = "/huong-dan/img/"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    # The capabilities of the screens the chapter explains: an account holding
    # one of them finds the chapter among its own.
    capabilities: tuple = ()


PAGES = (
    Page("cong-dan", "Người dân: khai báo về Huế trên điện thoại"),
    Page(
        "xac-minh",
        "Xác minh người về tại phường/xã, chuyển địa bàn",
        (p.VERIFY, p.VERIFY_STUDENTS, p.APPROVE_REGISTRATION),
    ),
    Page(
        "nhap-to-khai",
        "Nhập tờ khai tại trạm y tế, tờ khai giấy và tệp Excel",
        (p.ENTER_DECLARATION,),
    ),
    Page("chot-quet-qr", "Chốt kiểm soát: quét mã QR, nhập người qua chốt", (p.SCAN_QR,)),
    Page("cdc-phan-loai", "CDC: xác minh biểu hiện y tế và quy tắc nguy cơ", (p.TRIAGE,)),
    Page(
        "xet-nghiem",
        "Xét nghiệm: nhập kết quả và bảng kết quả của phòng xét nghiệm",
        (p.ENTER_TESTS, p.IMPORT_TESTS),
    ),
    Page(
        "cach-ly",
        "Khu cách ly tập trung: tiếp nhận và bảng theo dõi",
        (p.FOLLOW_TAKE_IN, p.VERIFY_QUARANTINED),
    ),
    Page("dieu-tra", "Điều tra dịch tễ: ca bệnh và chuỗi lây nhiễm", (p.READ_CASES,)),
    Page("luu-tru", "Cơ sở lưu trú và công an", (p.CHECK_IN_GUESTS, p.POLICE_VIEW)),
    Page("lanh-dao", "Lãnh đạo: bảng điều hành, thống kê và kết xuất", (p.READ_STATISTICS,)),
    Page("tai-khoan", "Tài khoản: đăng nhập, mật khẩu, xác thực hai bước, đề nghị cấp tài khoản"),
    Page(
        "trung-tam-dieu-hanh",
        "Trung tâm điều hành: quản trị tài khoản và nhật ký",
        (p.MANAGE_ACCOUNTS, p.REVIEW_ACCOUNT_REQUESTS),
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


def page_html(slug):
    """The page's Markdown file rendered to HTML (re-read when it changes)."""
    file = GUIDE_DIR / f"{slug}.md"
    if not file.is_file():
        raise Http404
    return _render(file, file.stat().st_mtime_ns)


def pages_for(user):
    """(the user's own pages, the others), each a list of Pages; a visitor
    who is not signed in is offered the citizens' page only."""
    if not user.is_authenticated:
        return [], [BY_SLUG[PUBLIC_SLUG]]
    own = [pg for pg in PAGES if any(may(user, c) for c in pg.capabilities)]
    return own, [pg for pg in PAGES if pg not in own]


def _show(request, slug):
    own, others = pages_for(request.user)
    context = {"page": BY_SLUG.get(slug), "body": page_html(slug), "own": own, "others": others}
    return render(request, "core/help_page.html", context)


@requires(OWN_ACCOUNT)
@require_safe
def index(request):
    """The guide's table of contents, the account's own chapters first."""
    own, others = pages_for(request.user)
    context = {"body": page_html("index"), "own": own, "others": others}
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
