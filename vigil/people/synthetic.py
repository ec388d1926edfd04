"""Synthetic but realistic Vietnamese people, for the demo data and benchmarks.

Deterministic for a given seed. ID numbers follow the real layouts (CMND: 9
digits; CCCD: 3-digit province of registration, a century-and-gender digit,
2-digit birth year, 6 digits) and phones use real mobile prefixes, so that
validators and the search treat them like real data. None is a real person's.
"""

import random

SURNAMES = (
    ["Nguyễn"] * 38
    + ["Trần"] * 11
    + ["Lê"] * 9
    + ["Phạm"] * 7
    + ["Hoàng", "Huỳnh"] * 3
    + ["Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"] * 2
    + ["Tôn Nữ", "Tôn Thất", "Nguyễn Phúc", "Hà", "Đoàn", "Lương", "Trương", "Mai", "Cao"]
)
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Công", "Quang", "Minh", "Thanh", "Xuân", "Đình", "Ngọc"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Diệu", "Hoài"]
GIVEN_MALE = [
    "Anh", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hiếu", "Hoàng",
    "Hùng", "Huy", "Khang", "Khánh", "Khoa", "Long", "Lộc", "Minh", "Nam", "Nhân",
    "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Tiến",
    "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ",
]  # fmt: skip
GIVEN_FEMALE = [
    "An", "Anh", "Bích", "Châu", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng",
    "Hiền", "Hoa", "Hồng", "Huyền", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My",
    "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh", "Thảo", "Thu", "Thủy",
    "Trang", "Trâm", "Tuyết", "Uyên", "Vân", "Vy", "Yến",
]  # fmt: skip
MOBILE_PREFIXES = [
    "086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
    "089", "090", "093", "070", "076", "077", "078", "079",
    "088", "091", "094", "081", "082", "083", "084", "085",
]  # fmt: skip
OCCUPATIONS = [
    "Công nhân", "Nông dân", "Học sinh", "Sinh viên", "Giáo viên", "Kinh doanh",
    "Lái xe", "Nội trợ", "Cán bộ", "Lao động tự do", "Hưu trí", "Ngư dân",
]  # fmt: skip
STREETS = [
    "Hùng Vương", "Lê Lợi", "Nguyễn Huệ", "Trần Hưng Đạo", "Phạm Văn Đồng", "Nguyễn Khuyến",
    "Bà Triệu", "Điện Biên Phủ", "Lý Thường Kiệt", "Hai Bà Trưng", "Nguyễn Trãi",
]  # fmt: skip


def person_fields(rng, birth_province="046", year_now=2021):
    """One person's fields as a dict (no area: the caller places them)."""
    male = rng.random() < 0.5
    surname = rng.choice(SURNAMES)
    middle = rng.choice(MIDDLE_MALE if male else MIDDLE_FEMALE)
    given = rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
    birth_year = rng.randint(year_now - 85, year_now - 1)
    if birth_year >= 2000 or rng.random() < 0.75:
        century = (0 if birth_year < 2000 else 2) + (0 if male else 1)
        id_number = f"{birth_province}{century}{birth_year % 100:02d}{rng.randrange(10**6):06d}"
        id_kind = "cccd"
    else:
        id_number = f"19{rng.randrange(10**7):07d}"
        id_kind = "cmnd"
    if birth_year > year_now - 14:
        # Young children rarely have an ID card: they are declared with a
        # parent's phone and a birth certificate number, or nothing.
        id_number, id_kind = "", "birth_cert"
    phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
    return {
        "full_name": f"{surname} {middle} {given}",
        "gender": "male" if male else "female",
        "birth_year": birth_year,
        "id_number": id_number,
        "id_kind": id_kind,
        "phone": phone,
        "occupation": rng.choice(OCCUPATIONS),
        "address": f"{rng.randint(1, 250)} {rng.choice(STREETS)}",
    }


def people(count, seed=2021, **kwargs):
    """`count` people; an ID number is never given twice (the database keeps
    one person per ID number): a drawn duplicate is drawn again."""
    rng = random.Random(seed)
    used = set()
    for _ in range(count):
        fields = person_fields(rng, **kwargs)
        while fields["id_number"] and fields["id_number"] in used:
            fields = person_fields(rng, **kwargs)
        used.add(fields["id_number"])
        yield fields
