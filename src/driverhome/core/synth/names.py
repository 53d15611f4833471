"""Plausible Chinese names, ID numbers (with a valid check digit), phones and plates."""

from __future__ import annotations

import random
from datetime import date, timedelta

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_MALE = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
GIVEN_FEMALE = "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥"
PROVINCES = ["皖", "豫", "赣", "苏", "鲁", "川", "湘", "鄂", "浙", "黔", "冀", "晋"]
HOMETOWNS = [
    "安徽阜阳",
    "安徽六安",
    "河南信阳",
    "河南周口",
    "江西上饶",
    "江苏徐州",
    "山东临沂",
    "四川达州",
    "湖南邵阳",
    "湖北黄冈",
    "浙江宁波",
    "浙江台州",
    "贵州毕节",
    "河北邯郸",
]
# Division codes of the hometowns above (first six digits of an ID number).
REGION_CODES = [
    "341200",
    "341500",
    "411500",
    "411600",
    "361100",
    "320300",
    "371300",
    "511700",
    "430500",
    "421100",
    "330206",
    "331000",
    "520500",
    "130400",
]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def person_name(rng: random.Random, sex: str) -> str:
    pool = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
    given = rng.choice(pool) if rng.random() < 0.35 else rng.choice(pool) + rng.choice(pool)
    return rng.choice(SURNAMES) + given


def id_number(rng: random.Random, region: str, birth: date, sex: str, serial: int) -> str:
    """An 18-digit resident ID number: region, birth date, sequence (odd for men), check digit."""
    seq = (serial % 500) * 2 + (1 if sex == "M" else 0)
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + _CHECK[total % 11]


def birth_date(rng: random.Random, as_of: date, min_age: int, max_age: int) -> date:
    days = rng.randint(min_age * 365, max_age * 365)
    return as_of - timedelta(days=days)


def phone(serial: int, salt: int = 0) -> str:
    """A unique mobile number for each serial (1[3-9]x xxxx xxxx)."""
    prefixes = ("138", "139", "137", "136", "150", "151", "158", "159", "187", "188", "135", "182")
    prefix = prefixes[(serial + salt) % len(prefixes)]
    return f"{prefix}{(serial * 7919 + salt * 104729) % 100_000_000:08d}"


def plate(serial: int, rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    province = "浙" if rng.random() < 0.6 else rng.choice(PROVINCES)
    number = serial % 100_000
    return f"{province}{rng.choice('ABCDEFGHJK')}{letters[(serial // 100_000) % len(letters)]}{number:04d}"[
        :9
    ]
