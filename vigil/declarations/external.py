"""QR codes of the national health-declaration system and of citizen ID cards (R-D5).

Accepted payloads, permissively (documented in docs/external-qr.md):

1. JSON objects whose keys are any of the synonyms in FIELD_KEYS (Vietnamese or
   English, any case, with or without diacritics or separators), e.g.
   {"hoTen": "Nguyễn Văn Đức", "cccd": "046090001234", "sdt": "0905111222",
    "namSinh": 1985, "gioiTinh": "Nam", "diaChi": "..."}.
2. The chip-ID card (CCCD) QR: fields separated by "|":
   ID number | old CMND number | full name | birth date ddmmyyyy | gender | address | issue date.
3. "key: value" or "key=value" pairs separated by new lines or ";".

Anything that yields neither a name nor an ID number is refused as garbage.
Fields the province needs and such payloads never carry (the destination
commune, village and street address in the province) are reported as missing.
"""

import json
import re
from dataclasses import dataclass, field

from vigil.core.phones import normalize_phone
from vigil.core.text import fold
from vigil.people.validators import normalize_id_number

FIELD_KEYS = {
    "full_name": ["hoten", "ten", "name", "fullname", "ho va ten"],
    "id_number": ["cccd", "cmnd", "id", "idnumber", "so cccd", "so cmnd", "socmnd", "socccd",
                  "identity", "passport", "hochieu"],
    "phone": ["sdt", "dienthoai", "phone", "so dien thoai", "sodienthoai", "mobile", "tel"],
    "birth_year": ["namsinh", "birthyear", "yob", "nam sinh"],
    "birth_date": ["ngaysinh", "dob", "birthdate", "ngay sinh", "dateofbirth"],
    "gender": ["gioitinh", "gender", "sex", "gioi tinh"],
    "address": ["diachi", "address", "dia chi", "noio", "thuongtru"],
    "occupation": ["nghenghiep", "occupation", "job"],
}  # fmt: skip
_LOOKUP = {re.sub(r"[^a-z]", "", fold(k)): name for name, keys in FIELD_KEYS.items() for k in keys}
MAX_LENGTH = 4000


@dataclass
class ExternalDeclaration:
    fields: dict = field(default_factory=dict)
    source: str = ""

    def initial(self):
        """Initial values for DeclarationForm."""
        out = {k: v for k, v in self.fields.items() if k in (
            "full_name", "id_number", "phone", "birth_year", "gender", "occupation"
        )}  # fmt: skip
        number = out.get("id_number", "")
        if number.isdigit() and len(number) in (9, 12):
            out["id_kind"] = "cmnd" if len(number) == 9 else "cccd"
        elif number:
            out["id_kind"] = "passport"
        return out

    def missing(self):
        """Fields the province needs that the QR does not carry."""
        # The QR's address is where the person lives, not where they go in the
        # province: the destination is always completed by the scanner.
        return ["area", "village", "address"]


def _key(raw):
    return _LOOKUP.get(re.sub(r"[^a-z]", "", fold(str(raw))))


def _gender(value):
    v = fold(str(value))
    if v in ("nam", "male", "m"):
        return "male"
    if v in ("nu", "female", "f"):
        return "female"
    return ""


def _normalise(raw):
    out = {}
    for key, value in raw.items():
        name = _key(key)
        if name is None or value in (None, ""):
            continue
        out[name] = " ".join(str(value).split())
    if "birth_date" in out and "birth_year" not in out:
        digits = re.sub(r"\D", "", out["birth_date"])
        if len(digits) == 8:
            # ddmmyyyy or yyyymmdd
            out["birth_year"] = digits[4:] if int(digits[4:]) > 1900 else digits[:4]
    out.pop("birth_date", None)
    if "birth_year" in out:
        year = re.sub(r"\D", "", out["birth_year"])[:4]
        out["birth_year"] = int(year) if len(year) == 4 else None
        if out["birth_year"] is None:
            del out["birth_year"]
    if "gender" in out:
        out["gender"] = _gender(out["gender"])
    if "id_number" in out:
        out["id_number"] = normalize_id_number(out["id_number"])
    if "phone" in out:
        out["phone"] = normalize_phone(out["phone"]) or out["phone"]
    return out


def _from_json(text):
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _from_cccd(text):
    parts = text.split("|")
    if len(parts) < 5 or not re.fullmatch(r"\d{12}", parts[0].strip()):
        return None
    return {
        "cccd": parts[0],
        "hoten": parts[2],
        "ngaysinh": parts[3],
        "gioitinh": parts[4],
        "diachi": parts[5] if len(parts) > 5 else "",
    }


def _from_pairs(text):
    pairs = {}
    for chunk in re.split(r"[;\n]", text):
        key, sep, value = chunk.partition(":") if ":" in chunk else chunk.partition("=")
        if sep and _key(key):
            pairs[key] = value.strip()
    return pairs or None


def parse(text):
    """An ExternalDeclaration, or None for anything that is not one."""
    text = (text or "").strip()
    if not text or len(text) > MAX_LENGTH:
        return None
    for reader in (_from_json, _from_cccd, _from_pairs):
        raw = reader(text)
        if raw:
            fields = _normalise(raw)
            if fields.get("full_name") or fields.get("id_number"):
                return ExternalDeclaration(fields, source=reader.__name__[6:])
    return None
