"""Synthetic rosters (the import tests, the benchmark): valid rows, with chosen rows made bad."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

from driverhome.core import idnumber

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
REGIONS = [
    "330206",
    "330211",
    "330203",
    "341221",
    "342401",
    "410523",
    "411326",
    "510723",
    "362330",
    "430621",
]
PREFIXES = [
    "138",
    "139",
    "135",
    "137",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "133",
    "153",
    "180",
    "189",
    "177",
    "199",
]
PLATE_LETTERS = "ABCDEFGHJK"
HEADER = ["姓名", "身份证号", "手机号", "车牌号", "所属企业", "居住方式", "籍贯", "驾驶证类型"]
RESIDENCES = ["附近租房", "住车上", "基地公寓", "本地"]


def rows(
    count: int, *, seed: int = 7, bad: dict[int, str] | None = None, employers=()
) -> list[list]:
    """``count`` data rows; ``bad`` maps a 0-based data row to a defect:
    ``check_digit``, ``phone``, ``plate``, ``duplicate_id``, ``missing_name``."""
    rnd = random.Random(seed)
    bad = bad or {}
    out = []
    base = date(1965, 1, 1)
    for i in range(count):
        # Unique per row: birth day and sequence never repeat together.
        born = base + timedelta(days=(i // 500) * 7 % 12000)
        number = idnumber.make(REGIONS[i % len(REGIONS)], born, i % 500 * 2 + 1)
        mobile = f"{PREFIXES[i % len(PREFIXES)]}{i:08d}"
        plate = f"浙{PLATE_LETTERS[i % 10]}{i % 100000:05d}"
        name = (
            rnd.choice(SURNAMES)
            + rnd.choice(GIVEN)
            + (rnd.choice(GIVEN) if rnd.random() < 0.6 else "")
        )
        row = [
            name,
            number,
            mobile,
            plate,
            employers[i % len(employers)] if employers else "",
            RESIDENCES[i % 4],
            "浙江宁波",
            "A2",
        ]
        defect = bad.get(i)
        if defect == "check_digit":
            wrong = "0" if number[-1] != "0" else "1"
            row[1] = number[:-1] + wrong
        elif defect == "phone":
            row[2] = "1234567"
        elif defect == "plate":
            row[3] = "浙I1234"
        elif defect == "duplicate_id":
            row[1] = out[0][1] if out else number
        elif defect == "missing_name":
            row[0] = ""
        out.append(row)
    return out


def to_xlsx(data: list[list], header=HEADER) -> bytes:
    from driverhome.core import sheets

    buffer = io.BytesIO()
    book = sheets.workbook(buffer, in_memory=True, constant_memory=True)
    sheet = book.add_worksheet("drivers")
    sheets.write_row(sheet, 0, 0, header)
    for index, row in enumerate(data, start=1):
        sheets.write_row(sheet, index, 0, row)
    book.close()
    return buffer.getvalue()


def to_csv(data: list[list], header=HEADER) -> bytes:
    from driverhome.core import sheets

    buffer = io.StringIO()
    writer = sheets.csv_writer(buffer)
    writer.writerow(header)
    writer.writerows(data)
    return buffer.getvalue().encode("utf-8-sig")
