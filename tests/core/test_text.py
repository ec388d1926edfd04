from hypothesis import given
from hypothesis import strategies as st

from vigil.core.masking import mask_id_number, mask_phone
from vigil.core.phones import normalize_phone
from vigil.core.text import fold


def test_it_folds_vietnamese_names():
    assert fold("Nguyễn  Văn Đức") == "nguyen van duc"
    assert fold("TRẦN THỊ THỦY") == "tran thi thuy"
    assert fold("Phường Vĩnh Ninh") == "phuong vinh ninh"
    assert fold("") == ""


@given(st.text())
def test_folding_is_idempotent_and_diacritic_free(text):
    key = fold(text)
    assert fold(key) == key
    assert not any(ch in key for ch in "ăâđêôơưáàảãạĐ")


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậ ", max_size=30))
def test_folding_ignores_case(text):
    assert fold(text.upper()) == fold(text)


def test_it_masks_id_numbers_and_phones():
    assert mask_id_number("046123456789") == "04•••••••789"
    assert mask_id_number("191234567") == "19••••567"
    assert mask_phone("0905123456") == "090••••456"
    assert mask_phone("") == ""
    # Too short to show both ends without revealing it: nothing shown.
    assert mask_id_number("1234") == "••••"


@given(st.from_regex(r"[0-9]{9,12}", fullmatch=True))
def test_a_masked_id_never_shows_the_whole_number(value):
    masked = mask_id_number(value)
    assert masked != value
    assert len(masked) == len(value)
    assert value not in masked


def test_it_normalises_vietnamese_mobile_numbers():
    for spelling in [
        "0905123456",
        "+84905123456",
        "84 905 123 456",
        "0905.123.456",
        "(+84) 905-123-456",
    ]:
        assert normalize_phone(spelling) == "0905123456", spelling
    assert normalize_phone("12345") is None
    assert normalize_phone("+1 202 555 0100") is None
    assert normalize_phone("") is None


@given(
    st.sampled_from(["090", "091", "098", "086", "033", "070", "081"]),
    st.from_regex(r"[0-9]{7}", fullmatch=True),
)
def test_every_spelling_of_a_mobile_number_normalises_the_same(prefix, rest):
    local = prefix + rest
    assert normalize_phone(local) == local
    assert normalize_phone("+84" + local[1:]) == local
    assert normalize_phone(" ".join([local[:4], local[4:7], local[7:]])) == local
