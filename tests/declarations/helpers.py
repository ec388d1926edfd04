"""Valid declaration form data for tests."""

import datetime

from django.utils import timezone

from vigil.areas.models import AdminUnit
from vigil.declarations import questions


def form_data(area, **changes):
    units = AdminUnit.objects.active_tree()
    hanoi, ba_dinh, phuc_xa = (units.get(code=code) for code in ("01", "001", "00001"))
    data = {
        "full_name": "Nguyễn Văn Đức",
        "id_kind": "cccd",
        "id_number": "046090001234",
        "phone": "0905111222",
        "birth_year": "1985",
        "gender": "male",
        "occupation": "",
        "registration_kind": "return_home",
        "departure_country": "VN",
        "departure_province": str(hanoi.pk),
        "departure_district": str(ba_dinh.pk),
        "departure_commune": str(phuc_xa.pk),
        "area": str(area.pk),
        "address": "12 Lê Lợi",
        "transport": "car",
        "transport_number": "75A-12345",
        "arrival_date": (timezone.localdate() - datetime.timedelta(days=1)).strftime("%d/%m/%Y"),
    }
    data.update(dict.fromkeys(questions.KEYS, "0"))
    data.update(changes)
    return data
