"""Sending SMS. The backend is chosen by VIGIL_SMS_BACKEND:

- "console": writes the message to the log (development default);
- "file": appends one JSON line per message to VIGIL_SMS_FILE (tests and demos
  read codes from there, never from a hard-coded value);
- "http": POSTs JSON {"to", "text"} to VIGIL_SMS_HTTP_URL with the bearer token
  VIGIL_SMS_HTTP_TOKEN: the shape most Vietnamese SMS brandname gateways accept
  through a small adapter.
"""

import json
import logging
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("vigil.sms")


class SmsError(Exception):
    pass


class ConsoleBackend:
    def send(self, phone, text):
        logger.warning("SMS to %s: %s", phone, text)


class FileBackend:
    def __init__(self, path=None):
        self.path = Path(path or settings.VIGIL_SMS_FILE)

    def send(self, phone, text):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": phone, "text": text, "at": timezone.now().isoformat()})
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    def messages(self, phone=None):
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]
        return [r for r in rows if phone is None or r["to"] == phone]


class HttpBackend:
    def send(self, phone, text):
        body = json.dumps({"to": phone, "text": text}).encode()
        req = urllib.request.Request(  # noqa: S310  (URL from the deployment's settings)
            settings.VIGIL_SMS_HTTP_URL,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.VIGIL_SMS_HTTP_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
                if response.status >= 300:
                    raise SmsError(f"gateway answered {response.status}")
        except OSError as exc:
            raise SmsError(str(exc)) from exc


BACKENDS = {"console": ConsoleBackend, "file": FileBackend, "http": HttpBackend}


def get_backend():
    return BACKENDS[settings.VIGIL_SMS_BACKEND]()


def send_sms(phone, text):
    get_backend().send(phone, text)
