"""Plausible journeys for the demo's declarations and registrations: where
inside Vietnam people came from (province, district and commune, as the form
requires them) and a transport number that fits the means of transport.

- Departure: mostly the big cities and the neighbouring provinces, any of
  their communes (a commune of the tree: its district and province follow).
- Plane: a domestic flight number into Phú Bài ("VN 1545", "VJ 212").
- Train: a Reunification Express number ("SE1", "SE19").
- Coach and car: a licence plate of the departure province ("51B-012.34": a
  coach is series B, a private car series A); a motorbike usually has none
  written (the form does not ask for it), sometimes its plate ("43-H1 234.56").
Deterministic for a seeded `random.Random`.
"""

from vigil.areas.models import AdminUnit, Level

# (province code, weight, plate prefix, near): where Huế's arrivals came from
# in 2021. Near provinces are reached by road, far ones mostly by air or rail.
ORIGINS = (
    ("79", 30, "51", False),  # Thành phố Hồ Chí Minh
    ("01", 15, "29", False),  # Hà Nội
    ("48", 15, "43", True),  # Đà Nẵng
    ("45", 8, "74", True),  # Quảng Trị
    ("49", 6, "92", True),  # Quảng Nam
    ("44", 5, "73", True),  # Quảng Bình
    ("74", 6, "61", False),  # Bình Dương
    ("75", 5, "60", False),  # Đồng Nai
    ("92", 3, "65", False),  # Cần Thơ
    ("40", 4, "37", False),  # Nghệ An
    ("56", 3, "79", False),  # Khánh Hòa
)
FLIGHTS = ("VN 1541", "VN 1545", "VN 1549", "VN 1371", "VJ 212", "VJ 216", "VJ 520", "QH 1021")
TRAINS = ("SE1", "SE2", "SE3", "SE4", "SE5", "SE6", "SE7", "SE8", "SE19", "SE20")
# Weighted means of transport, far and near.
FAR = ["plane"] * 5 + ["train"] * 3 + ["coach"] * 2 + ["car"]
NEAR = ["car"] * 4 + ["motorbike"] * 3 + ["coach"] * 3 + ["train"]
PLATE_SERIES = {"coach": "B", "car": "A"}


def plate(rng, prefix, transport):
    """'51B-012.34' (coach), '43A-123.45' (car), '74-H1 234.56' (motorbike)."""
    digits = f"{rng.randrange(1, 100000):05d}"
    if transport == "motorbike":
        return f"{prefix}-H{rng.randrange(1, 10)} {digits[:3]}.{digits[3:]}"
    return f"{prefix}{PLATE_SERIES[transport]}-{digits[:3]}.{digits[3:]}"


def transport_number(rng, transport, prefix):
    """A number that fits `transport` ('' where none is usually written)."""
    if transport == "plane":
        return rng.choice(FLIGHTS)
    if transport == "train":
        return rng.choice(TRAINS)
    if transport == "coach":
        return plate(rng, prefix, "coach")
    if transport == "car":
        return plate(rng, prefix, "car") if rng.random() < 0.7 else ""
    if transport == "motorbike":
        return plate(rng, prefix, "motorbike") if rng.random() < 0.3 else ""
    return ""


class Journeys:
    """Departure communes and transport of the demo's arrivals."""

    def __init__(self, rng):
        self.rng = rng
        provinces = {
            unit.code: unit
            for unit in AdminUnit.objects.active_tree().filter(
                level=Level.PROVINCE, code__in=[code for code, *_rest in ORIGINS]
            )
        }
        # A tree without these provinces (a test's small tree) has no journeys.
        self.origins = [row for row in ORIGINS if row[0] in provinces]
        self.weights = [row[1] for row in self.origins]
        self.communes = {
            code: list(
                AdminUnit.objects.active_tree()
                .under(provinces[code])
                .filter(level=Level.COMMUNE)
                .order_by("path")
                .values_list("pk", flat=True)
            )
            for code, *_rest in self.origins
        }
        self.units = {}

    def _unit(self, pk):
        if pk not in self.units:
            self.units[pk] = AdminUnit.objects.get(pk=pk)
        return self.units[pk]

    def __call__(self):
        """{departure_unit, transport, transport_number} of one arrival."""
        if not self.origins:
            return {"departure_unit": None, "transport": "car", "transport_number": ""}
        code, _weight, prefix, near = self.rng.choices(self.origins, self.weights)[0]
        transport = self.rng.choice(NEAR if near else FAR)
        communes = self.communes[code]
        return {
            "departure_unit": self._unit(self.rng.choice(communes)) if communes else None,
            "transport": transport,
            "transport_number": transport_number(self.rng, transport, prefix),
        }
