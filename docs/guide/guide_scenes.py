"""The scenes of the guide's screenshots (run by screenshots.py): one function
per chapter, walking through that chapter's steps as a demo account and saving
one image per step (the image names are the ones the chapters show).

`s` is screenshots.Shooter: s.page(account, phone) is a signed-in browser tab,
s.go(page, path) opens a page (and fails on anything but 200), s.shot(page,
name, element) saves an image. s.state carries what one scene made for the next
(the citizen's declaration code).
"""

import re
from datetime import date

CITIZEN_PHONE = "0905123456"
WARD = "Phường Phú Nhuận"


def _first_link(page, pattern):
    """The first link of the page whose href matches `pattern`."""
    for href in page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)"):
        if re.search(pattern, href):
            return href
    raise RuntimeError(f"no link matching {pattern} on {page.url}")


def _path(href):
    return "/" + href.split("://", 1)[1].split("/", 1)[1]


def _link(page, pattern):
    return _path(_first_link(page, pattern))


def _today():
    return date.today().strftime("%d/%m/%Y")


def _answer_no_to_all(page):
    """Answer No to every exposure, symptom and condition question."""
    page.eval_on_selector_all(
        "input[type=radio][value='0']",
        "els => els.filter(e => /^(exp|sym|cond)_/.test(e.name)).forEach(e => e.click())",
    )


# Citizen ------------------------------------------------------------------
def citizen(s):
    page = s.page(None, phone=True)
    s.go(page, "/khai-bao/")
    page.fill("#id_phone", CITIZEN_PHONE)
    s.shot(page, "cong-dan-1-so-dien-thoai.png")
    s.submit(page, "#send-code")
    page.fill("#id_code", s.sms_code(CITIZEN_PHONE))
    s.shot(page, "cong-dan-2-ma-xac-thuc.png")
    s.submit(page, "#verify-code")
    s.shot(page, "cong-dan-3-to-khai-cua-toi.png")
    s.submit(page, "#declare-self")
    page.fill("#id_full_name", "Nguyễn Thị Hoa")
    page.fill("#id_birth_year", "1990")
    page.select_option("#id_gender", "female")
    page.select_option("#id_id_kind", "cccd")
    page.fill("#id_id_number", "046190000777")
    page.fill("#id_phone", CITIZEN_PHONE)
    page.fill("#id_occupation", "Nhân viên văn phòng")
    page.select_option("#id_registration_kind", "return_home")
    page.select_option("#id_departure_province", label="Thành phố Đà Nẵng")
    page.wait_for_timeout(500)
    page.select_option("#id_departure_district", index=1)
    page.wait_for_timeout(500)
    page.select_option("#id_departure_commune", index=1)
    s.shot(page, "cong-dan-4-to-khai.png")
    page.select_option("#id_area", label=WARD)
    page.wait_for_timeout(500)
    if page.locator("#id_village option").count() > 1:
        page.select_option("#id_village", index=1)
    page.fill("#id_address", "12 Hùng Vương")
    page.select_option("#id_transport", "car")
    page.fill("#id_transport_number", "43A-123.45")
    page.fill("#id_arrival_date", _today())
    _answer_no_to_all(page)
    s.shot(page, "cong-dan-5-cau-hoi.png", top="#none-of-exposures >> xpath=ancestor::fieldset[1]")
    s.submit(page, "#submit-declaration")
    if "/khai-bao/d/" not in page.url:
        raise RuntimeError(f"the declaration was not sent: {page.inner_text('main')[:400]}")
    s.state["code"] = page.url.rstrip("/").split("/")[-1]
    s.shot(page, "cong-dan-6-ma-qr.png", full=True)


# Community team -----------------------------------------------------------
def community(s):
    page = s.page("community.phunhuan", phone=True)
    s.go(page, "/declarations/scan/")
    page.fill("#payload", s.state.get("code", ""))
    s.shot(page, "to-cong-dong-1-quet-qr.png")
    s.submit(page, "#scan-submit")
    s.shot(page, "to-cong-dong-2-to-khai.png")
    desk = s.page("community.phunhuan")
    s.go(desk, "/declarations/new/?channel=walk_in&q=Nguyễn Văn")
    s.shot(desk, "to-cong-dong-3-khai-ho.png")
    s.go(desk, "/investigation/monitoring/")
    s.shot(desk, "to-cong-dong-4-theo-doi.png")


# Health station -----------------------------------------------------------
def health_station(s):
    page = s.page("health_station.phunhuan")
    s.go(page, "/declarations/new/?channel=walk_in&q=Trần Văn")
    s.shot(page, "tram-y-te-1-tim-nguoi.png")
    s.go(page, "/declarations/new/?channel=walk_in")
    page.fill("#id_full_name", "Lê Văn Tâm")
    page.fill("#id_birth_year", "1985")
    page.select_option("#id_gender", "male")
    page.fill("#id_id_number", "046085000321")
    page.fill("#id_phone", "0935000321")
    page.select_option("#id_departure_province", label="Thành phố Hồ Chí Minh")
    page.wait_for_timeout(500)
    page.select_option("#id_departure_district", index=1)
    page.wait_for_timeout(500)
    page.select_option("#id_departure_commune", index=1)
    page.fill("#id_address", "25 Lý Thường Kiệt")
    page.fill("#id_arrival_date", _today())
    _answer_no_to_all(page)
    page.locator("#id_full_name").scroll_into_view_if_needed()
    s.shot(page, "tram-y-te-2-nhap-to-khai.png")
    s.submit(page, "#entry-form [type=submit]")
    s.shot(page, "tram-y-te-3-da-luu.png")
    s.go(page, "/triage/")
    s.shot(page, "tram-y-te-4-xac-minh-y-te.png")


# Digitisation and verification team ----------------------------------------
def digitisation(s):
    page = s.page("digitisation.phunhuan")
    s.go(page, "/verification/")
    s.shot(page, "xac-minh-danh-sach.png")
    verify = _link(page, r"/verification/\d+/$")
    s.go(page, verify)
    s.shot(page, "xac-minh-2-kiem-tra.png")
    page.check("#id_outcome_2")
    page.select_option("#id_target", index=1)
    page.fill("#id_transfer_reason", "Người này ở nhà con gái tại phường khác.")
    s.shot(page, "xac-minh-4-chuyen-dia-ban.png", top="#outcome")
    page.check("#id_outcome_0")
    page.select_option("#id_surveillance", index=1)
    page.fill("#id_transfer_reason", "")
    page.select_option("#id_target", index=0)
    s.shot(page, "xac-minh-3-ket-qua.png", top="#outcome")
    s.submit(page, "#verify-button")
    s.shot(page, "xac-minh-5-da-xac-minh.png")
    s.go(page, "/verification/approvals/")
    s.shot(page, "xac-minh-6-duyet-dang-ky.png")


def paper_forms(s):
    page = s.page("digitisation.phunhuan")
    s.go(page, "/declarations/new/?channel=paper")
    s.shot(page, "nhap-to-khai-1-to-khai-giay.png")
    s.go(page, "/declarations/import/")
    s.shot(page, "nhap-to-khai-2-tep-excel.png")


# Police ---------------------------------------------------------------------
def police(s):
    page = s.page("police.phunhuan")
    s.go(page, "/lodging/police/")
    s.shot(page, "cong-an-1-luu-tru.png")
    s.go(page, "/lodging/establishments/")
    s.shot(page, "cong-an-2-co-so.png")
    s.go(page, "/verification/")
    s.shot(page, "cong-an-3-xac-minh.png")
    s.go(page, "/lodging/import/")
    s.shot(page, "cong-an-4-so-khach-giay.png")


# Military command -----------------------------------------------------------
def military(s):
    page = s.page("military.vinhninh")
    s.go(page, "/verification/military/")
    s.shot(page, "quan-su-1-danh-sach.png")
    s.go(page, _link(page, r"/verification/military/\d+/$"))
    page.check("#id_outcome_0")
    page.fill("#id_note", "Đã đối chiếu tại khu cách ly.")
    s.shot(page, "quan-su-2-xac-minh.png")
    s.submit(page, "#verify-button")
    s.shot(page, "quan-su-3-da-xac-minh.png")


# CDC ------------------------------------------------------------------------
def cdc(s):
    page = s.page("cdc.tinh")
    s.go(page, "/triage/")
    s.shot(page, "cdc-danh-sach.png")
    s.go(page, _link(page, r"/triage/\d+/$"))
    s.shot(page, "cdc-2-to-khai.png")
    page.check("#id_symptoms_confirmed_0")
    page.check("#id_surveillance_0")
    page.fill("#id_note", "Sốt 38,5 độ; chuyển cách ly tập trung.")
    s.shot(page, "cdc-3-ket-qua.png", element="#verify-form")
    s.submit(page, "#save-verification")
    s.shot(page, "cdc-4-da-luu.png")
    s.go(page, "/triage/rules/")
    s.shot(page, "cdc-5-quy-tac.png")


# Checkpoint -----------------------------------------------------------------
def checkpoint(s):
    page = s.page("checkpoint.phunhuan", phone=True)
    s.go(page, "/declarations/scan/")
    s.shot(page, "quet-qr-dien-thoai.png")
    page.fill("#payload", s.state.get("code", ""))
    s.submit(page, "#scan-submit")
    s.shot(page, "chot-2-to-khai.png")
    desk = s.page("checkpoint.phunhuan")
    s.go(desk, "/declarations/new/checkpoint/")
    s.shot(desk, "chot-3-nguoi-qua-chot.png")
    s.go(desk, "/tests/")
    s.go(desk, _link(desk, r"/tests/person/\d+/$"))
    desk.fill("#id_rows-0-sampling_unit", "Chốt Phú Bài")
    desk.select_option("#id_rows-0-test_type", index=1)
    desk.select_option("#id_rows-0-result", index=1)
    desk.fill("#id_rows-0-checkpoint", "Chốt Phú Bài")
    s.shot(desk, "chot-4-xet-nghiem-nhanh.png")


# Quarantine facility ---------------------------------------------------------
def facility(s):
    page = s.page("facility.vinhninh")
    s.go(page, "/quarantine/to-take-in/")
    s.shot(page, "cach-ly-1-cho-tiep-nhan.png")
    s.go(page, _link(page, r"/quarantine/intake/\?declaration=\d+"))
    page.select_option("#id_bed", index=1)
    rest = page.locator("#answer-rest-no")
    if rest.count():
        rest.click()
    s.shot(page, "cach-ly-2-tiep-nhan.png")
    s.submit(page, "#save")
    s.shot(page, "cach-ly-3-dang-cach-ly.png")
    s.go(page, "/quarantine/board/")
    s.shot(page, "cach-ly-bang.png")


# Accommodation establishment ------------------------------------------------
def establishment(s):
    page = s.page("establishment.vinhninh", phone=True)
    s.go(page, "/lodging/check-in/")
    s.shot(page, "luu-tru-1-nhan-phong.png")
    page.fill("#id_payload", s.state.get("code", ""))
    s.submit(page, "#scan-submit")
    page.fill("input[name=room]", "204")
    s.shot(page, "luu-tru-2-khach.png")
    desk = s.page("establishment.vinhninh")
    s.go(desk, "/lodging/guests/")
    s.shot(desk, "luu-tru-3-khach-luu-tru.png")


# School ---------------------------------------------------------------------
def school(s):
    page = s.page("school.phunhuan")
    s.go(page, "/verification/students/")
    s.shot(page, "nha-truong-1-danh-sach.png")
    s.go(page, _link(page, r"/verification/\d+/"))
    s.shot(page, "nha-truong-2-xac-minh.png", top="#outcome")


# Leader ---------------------------------------------------------------------
def leader(s):
    page = s.page("leader.tinh")
    s.go(page, "/reports/dashboard/")
    s.shot(page, "lanh-dao-bang-dieu-hanh.png")
    s.go(page, "/reports/stats/")
    s.shot(page, "lanh-dao-2-thong-ke.png")
    s.go(page, "/reports/stats/paper/")
    with page.expect_download():
        page.click("main a[href*='/reports/export/']")
    s.go(page, "/reports/exports/")
    s.shot(page, "lanh-dao-3-ket-xuat.png")


# Operations centre ----------------------------------------------------------
def operations_centre(s):
    page = s.page("admin.tinh")
    s.go(page, "/accounts/")
    s.shot(page, "ttdh-1-tai-khoan.png")
    s.go(page, "/accounts/new/")
    s.shot(page, "ttdh-2-them-tai-khoan.png")
    s.go(page, "/accounts/requests/")
    s.shot(page, "ttdh-3-de-nghi.png")
    s.go(page, "/audit/")
    s.shot(page, "ttdh-4-nhat-ky.png")


# Shared chapters: tests, investigation, the account ----------------------------
def tests(s):
    page = s.page("health_station.phunhuan")
    s.go(page, "/tests/")
    s.shot(page, "xet-nghiem-1-danh-sach.png")
    s.go(page, _link(page, r"/tests/person/\d+/$"))
    page.fill("#id_rows-0-test_id", "PN-2026-0042")
    page.select_option("#id_rows-0-test_type", index=1)
    page.select_option("#id_rows-0-result", index=1)
    s.shot(page, "xet-nghiem-2-nhap-ket-qua.png")
    s.submit(page, "#save-results")
    s.shot(page, "xet-nghiem-3-da-luu.png")
    cdc = s.page("cdc.tinh")
    s.go(cdc, "/tests/import/")
    s.shot(cdc, "xet-nghiem-4-bang-ket-qua.png")


def investigation(s):
    page = s.page("cdc.tinh")
    s.go(page, "/investigation/cases/")
    s.shot(page, "dieu-tra-1-ca-benh.png")
    # The demo's chain of 40 people starts at BN1981.
    s.go(page, "/investigation/cases/?q=BN1981")
    s.go(page, _link(page, r"/investigation/cases/\d+/$"))
    s.shot(page, "dieu-tra-2-ca.png")
    s.go(page, _link(page, r"/investigation/cases/\d+/chain/$"))
    page.wait_for_timeout(800)
    s.shot(page, "dieu-tra-3-chuoi-lay-nhiem.png")
    s.go(page, "/investigation/monitoring/")
    s.shot(page, "dieu-tra-4-giam-sat.png")


def account(s):
    page = s.page(None)
    page.goto(s.site + "/accounts/login/")
    page.fill("#id_username", "cdc.huyen")
    s.shot(page, "tai-khoan-1-dang-nhap.png")
    page = s.page("cdc.huyen")
    s.go(page, "/accounts/2fa/")
    s.shot(page, "tai-khoan-2-hai-buoc.png")


SCENES = [
    citizen,
    community,
    health_station,
    digitisation,
    paper_forms,
    police,
    military,
    cdc,
    checkpoint,
    facility,
    establishment,
    school,
    leader,
    operations_centre,
    tests,
    investigation,
    account,
]
