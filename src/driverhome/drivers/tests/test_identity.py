from datetime import date

import pytest

from driverhome.core import idnumber, phone, plates


def test_valid_id_number_gives_birth_date_and_sex():
    number = idnumber.make("330206", date(1990, 1, 1), 123)
    parsed = idnumber.parse(number)
    assert parsed.birth_date == date(1990, 1, 1)
    assert parsed.sex == "M"
    assert idnumber.parse(idnumber.make("330206", date(1990, 1, 1), 124)).sex == "F"


def test_known_id_number_with_x_check_character():
    # 11010519491231002X is the standard's worked example.
    assert idnumber.parse("11010519491231002x").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("33020619900101123", "length"),
        ("3302061990010112AB", "characters"),
        ("330206199002301234", "birth_date"),
    ],
)
def test_invalid_id_numbers_say_why(text, reason):
    with pytest.raises(idnumber.InvalidIdNumber) as exc:
        idnumber.parse(text)
    assert exc.value.reason == reason


def test_wrong_check_digit_is_refused():
    number = idnumber.make("330206", date(1990, 1, 1), 123)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(idnumber.InvalidIdNumber) as exc:
        idnumber.parse(wrong)
    assert exc.value.reason == "check_digit"


def test_mobile_numbers():
    assert phone.parse_mobile("+86 138-1234-5678") == "13812345678"
    assert phone.parse_mobile("13812345678.0") == "13812345678"
    for bad in ("1381234567", "23812345678", "12012345678", "abc"):
        assert not phone.is_mobile(bad)


@pytest.mark.parametrize(
    ("text", "plate", "new_energy"),
    [
        ("浙B12345", "浙B12345", False),
        ("浙b·1234挂", "浙B1234挂", False),
        ("浙BD12345", "浙BD12345", True),
        ("浙B12345F", "浙B12345F", True),
    ],
)
def test_plates(text, plate, new_energy):
    assert plates.parse(text) == (plate, new_energy)


@pytest.mark.parametrize("text", ["浙I12345", "浙B1234", "XB12345", "浙B123456789", "浙BZ12345"])
def test_malformed_plates(text):
    assert not plates.is_valid(text)
