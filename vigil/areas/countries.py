"""Country names from CLDR, through Babel, in both interface languages.

CLDR is what operating systems and browsers use, so the names match what
people read everywhere else ("Qatar", "Bangladesh", "Hàn Quốc"), unlike the
old iso-codes transliterations ("Ca-tă"). The names are computed when
`load_areas` runs and stored in the Country rows, so a Babel upgrade shows up
at the next start; nothing asks Babel on a request.
"""

from babel import Locale

from vigil.core.text import fold

VIETNAM = "VN"


def cldr_names(code):
    """(Vietnamese name, English name) of an ISO 3166-1 alpha-2 code."""
    return Locale("vi").territories[code], Locale("en").territories[code]


def country_rows(codes):
    """{code: (name, name_en, sort_order, sort_order_en)} for these codes.

    Vietnam ranks 0 in both languages; the rest follow in the alphabetical
    order of their folded name in each language: databases collate "Ả Rập" and
    "Åland" differently, so the order is stored rather than left to ORDER BY.
    """
    names = {code: cldr_names(code) for code in codes}
    rows = {VIETNAM: {0: 0, 1: 0}}
    for lang in (0, 1):
        others = sorted((c for c in names if c != VIETNAM), key=lambda c: fold(names[c][lang]))
        for rank, code in enumerate(others, start=1):
            rows.setdefault(code, {})[lang] = rank
    return {code: (names[code][0], names[code][1], rows[code][0], rows[code][1]) for code in names}
