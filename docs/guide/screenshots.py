"""Take the user guide's screenshots (docs/guide/img/*.png) from a running demo.

`make guide` does it all on a throwaway database (var/guide.sqlite3): migrate,
load the areas and the demo data, start a server, run this script, stop the
server. By hand:

    VIGIL_DEBUG=true VIGIL_SMS_FILE=var/guide-sms.jsonl \
        .venv/bin/python manage.py runserver 127.0.0.1:8123 &
    VIGIL_SMS_FILE=var/guide-sms.jsonl .venv/bin/python docs/guide/screenshots.py \
        http://127.0.0.1:8123

The script walks through each chapter's steps as the demo accounts (password
Vigil@2021) do them: a citizen declares (reading the one-time code from the
server's SMS file, VIGIL_SMS_FILE), the ward verifies, CDC triages, the facility
takes a person in to a bed, a health station enters a test, a leader exports...
It changes the demo database it runs on, so run it on a fresh one. Chromium is
taken from VIGIL_CHROMIUM or /usr/bin/chromium. Each image is reduced to a
palette of at most 128 colours so that it stays small. The scenes are in
docs/guide/guide_scenes.py; every image a chapter shows must be taken there
(tests/core/test_guide_chapters.py checks it).
"""

import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import guide_scenes  # noqa: E402 - beside this script, not a package

IMG = HERE / "img"
PASSWORD = "Vigil@2021"  # noqa: S105 - the demo accounts' published password (README)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
COLOURS = 128


class Shooter:
    """One browser; one context per (account, device), signed in once."""

    def __init__(self, browser, site, sms_file):
        self.browser = browser
        self.site = site.rstrip("/")
        self.sms_file = Path(sms_file) if sms_file else None
        self.contexts = {}
        self.taken = []
        self.state = {}

    def page(self, username=None, phone=False):
        key = (username, phone)
        if key in self.contexts:
            return self.contexts[key].pages[0]
        size = PHONE if phone else DESKTOP
        context = self.browser.new_context(
            viewport=size, device_scale_factor=1, is_mobile=phone, has_touch=phone, locale="vi-VN"
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        self.contexts[key] = context
        if username:
            page.goto(f"{self.site}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            if "/accounts/login" in page.url:
                raise RuntimeError(f"{username} could not sign in")
        return page

    def go(self, page, path):
        response = page.goto(self.site + path)
        page.wait_for_load_state("networkidle")
        if response.status != 200 or "/accounts/login" in page.url:
            raise RuntimeError(f"{path}: {response.status} at {page.url}")
        return page

    def submit(self, page, selector):
        """Click a submit button and wait for the next page."""
        with page.expect_navigation():
            page.click(selector)
        page.wait_for_load_state("networkidle")

    def sms_code(self, phone):
        """The last one-time code the server sent to `phone` (its SMS file)."""
        if not self.sms_file:
            raise RuntimeError("VIGIL_SMS_FILE is needed to read the citizen's code")
        for _ in range(20):
            if self.sms_file.is_file():
                lines = self.sms_file.read_text(encoding="utf-8").splitlines()
                texts = [json.loads(x)["text"] for x in lines if json.loads(x)["to"] == phone]
                if texts:
                    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)
            time.sleep(0.25)
        raise RuntimeError(f"no SMS to {phone} in {self.sms_file}")

    def shot(self, page, name, element=None, full=False, top=None):
        """Save `name`: the element (a selector) alone, the whole page, or
        what the window shows (scrolled so that `top` is at its top); then
        reduce it to a small palette."""
        out = IMG / name
        if top:
            page.locator(top).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(150)
        if element:
            locator = page.locator(element).first
            locator.scroll_into_view_if_needed()
            locator.screenshot(path=str(out))
        else:
            page.screenshot(path=str(out), full_page=full)
        image = Image.open(out).convert("RGB")
        image.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
        self.taken.append(name)
        print(f"{name}: {out.stat().st_size // 1024} KB", flush=True)

    def close(self):
        for context in self.contexts.values():
            context.close()


def wait_for(site, seconds=90):
    """Wait until the server answers (make guide starts it just before)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(site.rstrip("/") + "/healthz", timeout=5):  # noqa: S310
                return
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise SystemExit(f"no server at {site}") from None
            time.sleep(0.5)


def main(site, only=()):
    IMG.mkdir(exist_ok=True)
    wait_for(site)
    chromium = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")
    failed = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        shooter = Shooter(browser, site, os.environ.get("VIGIL_SMS_FILE", ""))
        for scene in guide_scenes.SCENES:
            if only and scene.__name__ not in only:
                continue
            try:
                scene(shooter)
            except Exception as exc:  # noqa: BLE001 - report every scene that failed
                failed.append(scene.__name__)
                print(f"FAILED {scene.__name__}: {exc}", file=sys.stderr, flush=True)
        shooter.close()
        browser.close()
    if not failed and not only:
        # Images no scene takes any more belong to screens the guide left.
        for stale in sorted({f.name for f in IMG.glob("*.png")} - set(shooter.taken)):
            (IMG / stale).unlink()
            print(f"removed {stale}")
    total = sum(f.stat().st_size for f in IMG.glob("*.png"))
    print(f"{len(shooter.taken)} screenshots, img/ holds {total // 1024} KB")
    if failed:
        raise SystemExit(f"scenes failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8123", sys.argv[2:])
