"""Take the user guide's screenshots (docs/guide/img/*.png) from a running demo.

    VIGIL_DEBUG=true .venv/bin/python manage.py runserver 127.0.0.1:8123 &
    .venv/bin/python docs/guide/screenshots.py http://127.0.0.1:8123

The demo must be loaded (`make setup`); every demo account has the password
Vigil@2021. Chromium is taken from VIGIL_CHROMIUM or /usr/bin/chromium. Each
image is reduced to a 256-colour palette so that it stays small (~150 KB).
"""

import os
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

IMG = Path(__file__).resolve().parent / "img"
PASSWORD = "Vigil@2021"  # noqa: S105 - the demo accounts' published password (README)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# (file, account or None for a citizen, path, size)
SHOTS = [
    ("cong-dan-dien-thoai.png", None, "/khai-bao/", PHONE),
    ("xac-minh-danh-sach.png", "digitisation.phunhuan", "/verification/", DESKTOP),
    ("quet-qr-dien-thoai.png", "checkpoint.phunhuan", "/declarations/scan/", PHONE),
    ("cdc-danh-sach.png", "cdc.tinh", "/triage/", DESKTOP),
    ("cach-ly-bang.png", "facility.vinhninh", "/quarantine/board/", DESKTOP),
    ("lanh-dao-bang-dieu-hanh.png", "leader.tinh", "/reports/dashboard/", DESKTOP),
]


def shoot(browser, site, name, username, url, size):
    phone = size is PHONE
    context = browser.new_context(
        viewport=size, device_scale_factor=1, is_mobile=phone, has_touch=phone, locale="vi-VN"
    )
    page = context.new_page()
    if username:
        page.goto(f"{site}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
    response = page.goto(site + url)
    page.wait_for_load_state("networkidle")
    if response.status != 200 or page.url.rstrip("/").endswith("/accounts/login"):
        raise SystemExit(f"{url} as {username}: {response.status} at {page.url}, no screenshot")
    out = IMG / name
    page.screenshot(path=str(out))
    context.close()
    Image.open(out).convert("RGB").quantize(colors=256).save(out, optimize=True)
    print(f"{out.name}: {out.stat().st_size // 1024} KB")


def main(site):
    IMG.mkdir(exist_ok=True)
    chromium = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for shot in SHOTS:
            shoot(browser, site.rstrip("/"), *shot)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8123")
