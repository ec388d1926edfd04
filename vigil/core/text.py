"""Text helpers shared by every app: the Vietnamese search key."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# NFKD splits most accented letters into base + combining marks, but Đ/đ is a
# letter of its own (not D with a stroke mark), so it needs an explicit mapping.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def fold(text):
    """Lower-case, diacritic-free, single-spaced: 'Nguyễn  Văn Đức' -> 'nguyen van duc'.

    Stored in `search_key` columns so that the same LIKE/= queries work on SQLite
    and PostgreSQL without database-specific collations or unaccent.
    """
    if not text:
        return ""
    text = str(text).translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text.lower()).strip()
