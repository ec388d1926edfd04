"""The QR scanner says in the interface language why the camera did not open
(headless Chromium has no camera: the browser's own error is in English)."""

import pytest
from django.conf import settings

from vigil.accounts.models import Task

from ..conftest import PASSWORD
from .conftest import log_in

PHONE_390 = {"width": 390, "height": 844}

MESSAGES = {
    ("vi", "denied"): "Không mở được camera: hãy cho phép truy cập camera, hoặc nhập mã bằng tay.",
    ("vi", "missing"): "Không tìm thấy camera dùng được trên thiết bị này: hãy nhập mã bằng tay.",
    ("en", "denied"): (
        "The camera could not be opened: allow access to the camera, or type the code by hand."
    ),
    ("en", "missing"): "No camera can be used on this device: type the code by hand.",
}


# What Chromium answers when the user refuses the camera (headless Chromium
# has no camera to refuse, so the refusal is simulated at the same place).
REFUSE_CAMERA = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
"""


@pytest.mark.parametrize(
    "lang,refuse,kind",
    [
        ("vi", True, "denied"),
        ("vi", False, "missing"),
        ("en", True, "denied"),
        ("en", False, "missing"),
    ],
    ids=["refused-vi", "no-camera-vi", "refused-en", "no-camera-en"],
)
def test_the_camera_error_is_translated(site, chromium, make_user, places, lang, refuse, kind):
    make_user("cdc.scan", places.district, tasks=[Task.CDC])
    context = chromium.new_context(viewport=PHONE_390, permissions=["camera"])
    if refuse:
        context.add_init_script(REFUSE_CAMERA)
    page = context.new_page()
    raw = []
    page.on("console", lambda m: raw.append(m.text) if m.text.startswith("Camera:") else None)
    page.set_default_timeout(20_000)
    log_in(page, site, "cdc.scan", PASSWORD)
    if lang != "vi":
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": site}])
    page.goto(f"{site}/declarations/scan/")
    page.click("#start-camera")
    box = page.locator("#camera-error")
    box.wait_for()
    assert box.get_attribute("data-kind") == kind
    assert box.inner_text() == MESSAGES[(lang, kind)]
    assert "Error" not in page.locator("main").inner_text()
    # The browser's own words stay in the console, for whoever debugs.
    assert raw and ("NotAllowedError" if refuse else "NotFoundError") in raw[0], raw
    context.close()
