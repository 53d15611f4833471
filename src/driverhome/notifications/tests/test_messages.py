"""Message texts read as a person would write them."""

from driverhome.notifications.messages import render


def test_an_answer_ending_in_a_full_stop_gets_one_full_stop_in_the_sms():
    text = render(
        "appeal.answered", {"tracking_no": "BL20261201-0001", "answer": "工资已结清。"}, "zh-hans"
    )
    assert "工资已结清" in text and "。。" not in text and "。." not in text
    english = render(
        "appeal.answered", {"tracking_no": "BL20261201-0001", "answer": "Wages were paid."}, "en"
    )
    assert "Wages were paid." in english and ".." not in english


def test_a_value_not_followed_by_a_stop_keeps_its_punctuation():
    text = render("appeal.rehandle", {"tracking_no": "BL1", "note": "请核实！"}, "en")
    assert text.endswith("请核实！")
