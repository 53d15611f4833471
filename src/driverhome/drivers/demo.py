"""Demo population of the report's three sites (deterministic; a second run changes nothing).

* Jiyun base (kfq-logistics): 2 buildings with 808 apartments; most are let to
  driver households, whose members give the base's 1,500+ residents.
* Xiapu logistics industrial community: 125 logistics companies (organisations of kind
  company under ``xiapu-community``) employing 2,942 drivers with families — enough
  spouses and children aged 3–12 for the after-school care and 卡嫂 workshop programmes.
* Guoju Zhinan truck park: drivers who live in their cabs, many in difficulty, each
  with a care broker.

``ctx.quick`` keeps the structure with a much smaller population (tests).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from driverhome.accounts import audit
from driverhome.accounts.models import Organisation, Role, User
from driverhome.core import idnumber, pii

from .models import (
    Allocation,
    Apartment,
    Building,
    Consent,
    Driver,
    EmploymentHistory,
    FamilyMember,
    Note,
    ResidenceType,
    SocialInsurance,
    Vehicle,
    WaitingListEntry,
)
from .search import name_keys

SEED = 2026
REGIONS = [
    ("341221", "安徽阜阳"),
    ("342401", "安徽六安"),
    ("410523", "河南安阳"),
    ("411326", "河南南阳"),
    ("510723", "四川绵阳"),
    ("362330", "江西上饶"),
    ("430621", "湖南岳阳"),
    ("330206", "浙江宁波"),
    ("330211", "浙江宁波"),
    ("371325", "山东临沂"),
    ("522426", "贵州毕节"),
    ("420621", "湖北襄阳"),
]
COMPANY_WORDS = "顺达 通港 远航 甬运 港通 恒泰 仑港 集海 海天 东方 华港 明州 宁远 北港 金盛 联运 安达 新程 万通 德邦 鑫港 中储 大港 甬舟 三江 浙港 港城 凯达 捷运 骏通 欣港 瑞丰 宏达 永泰 嘉诚 昌运 聚力 星航 立达 宏图 远洋 国际 丰泰 和运 盛通 佳运 腾达 通达 利港 洋山 甬港 越海 普洛 兴港 富港 航港 顺港 海港 宝通 锦程".split()
SCHOOLS = ["霞浦学校", "霞浦小学", "新碶小学", "大碶中心小学", "岩东小学", "霞浦幼儿园"]


def _companies(ctx, community: Organisation, count: int) -> list[Organisation]:
    existing = {
        o.code: o
        for o in Organisation.objects.filter(
            parent=community, kind=Organisation.Kind.LOGISTICS_COMPANY
        )
    }
    companies = []
    for i in range(count):
        code = f"xiapu-co-{i + 1:03d}"
        org = existing.get(code)
        if org is None:
            word = COMPANY_WORDS[i % len(COMPANY_WORDS)]
            suffix = "物流有限公司" if i < len(COMPANY_WORDS) else "集装箱运输有限公司"
            org = Organisation(
                code=code,
                name=f"宁波{word}{suffix}",
                short_name=f"{word}{'物流' if i < len(COMPANY_WORDS) else '集运'}",
                kind=Organisation.Kind.LOGISTICS_COMPANY,
                unit_kind=Organisation.UnitKind.EMPLOYER,
                parent=community,
            )
            org.save()
        companies.append(org)
    return companies


class _People:
    """Unique, valid ID numbers, mobile numbers and plates, and Faker names."""

    def __init__(self, rng: random.Random):
        from faker import Faker

        self.rng = rng
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(SEED)
        self.ids: set[str] = set(Driver.objects.values_list("id_hash", flat=True))
        self.phones: set[str] = set()
        self.plates: set[str] = set()
        self.today = date.today()

    def id_number(self, born: date, male: bool) -> tuple[str, str]:
        region, hometown = self.rng.choice(REGIONS)
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            number = idnumber.make(region, born, sequence)
            digest = pii.lookup_hash(number, kind="id")
            if digest not in self.ids:
                self.ids.add(digest)
                return number, hometown

    def phone(self) -> str:
        while True:
            number = self.rng.choice(
                ["138", "139", "137", "135", "150", "158", "186", "187", "199", "177", "133", "189"]
            )
            number += f"{self.rng.randrange(0, 10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def plate(self) -> tuple[str, bool]:
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        while True:
            if self.rng.random() < 0.08:
                plate = f"浙B{self.rng.randrange(10000, 99999)}D"
            else:
                plate = f"浙B{self.rng.choice(letters)}{self.rng.randrange(0, 9999):04d}"
            if plate not in self.plates:
                self.plates.add(plate)
                return plate, len(plate) == 8

    def born(self, age_from: int, age_to: int) -> date:
        days = self.rng.randrange(age_from * 365 + 30, age_to * 365 - 30)
        return self.today - timedelta(days=days)


def _population(
    ctx,
    people: _People,
    *,
    organisation: Organisation,
    count: int,
    residence: str,
    companies: list[Organisation],
    spouse_rate: float,
    child_plan: list[tuple[float, int, int]],
    family_lives_with: bool,
    broker: User | None,
    broker_rate: float,
    hardship_rate: float,
) -> list[Driver]:
    rng = people.rng
    now = timezone.now()
    drivers: list[Driver] = []
    families: list[list[FamilyMember]] = []
    plates: list[tuple[str, bool]] = []
    for _i in range(count):
        male = rng.random() < 0.97
        name = people.fake.name_male() if male else people.fake.name_female()
        born = people.born(24, 58)
        number, hometown = people.id_number(born, male)
        mobile = people.phone()
        pinyin, initials = name_keys(name)
        tags = []
        if rng.random() < hardship_rate:
            tags.append("hardship")
        if rng.random() < 0.06:
            tags.append("veteran")
        if born < people.today - timedelta(days=55 * 365):
            tags.append("elderly")
        party = rng.random()
        driver = Driver(
            name=name,
            name_pinyin=pinyin,
            name_initials=initials,
            organisation=organisation,
            employer=rng.choice(companies) if companies else None,
            id_number=number,
            id_hash=pii.lookup_hash(number, kind="id"),
            phone=mobile,
            phone_hash=pii.lookup_hash(mobile, kind="phone"),
            phone_last4=mobile[-4:],
            birth_date=born,
            sex="M" if male else "F",
            hometown=hometown,
            household_registration=f"{hometown}{people.fake.street_name()}",
            residence_type=residence,
            tags=tags,
            licence_class=rng.choice(["A2", "A2", "A2", "B2", "A1"]),
            licence_expiry=people.today + timedelta(days=rng.randrange(-60, 6 * 365)),
            qualification_expiry=people.today + timedelta(days=rng.randrange(-30, 6 * 365)),
            social_insurance=rng.choice(
                [SocialInsurance.EMPLOYEE] * 5
                + [SocialInsurance.FLEXIBLE] * 2
                + [SocialInsurance.RESIDENT, SocialInsurance.NONE]
            ),
            party_membership="member" if party < 0.05 else "mobile" if party < 0.09 else "none",
            party_branch="集卡司机流动党员党支部" if party < 0.09 else "",
            union_member=rng.random() < 0.55,
            care_broker=broker
            if broker and (("hardship" in tags) or rng.random() < broker_rate)
            else None,
            created_at=now - timedelta(days=rng.randrange(1, 700)),
            updated_at=now,
        )
        drivers.append(driver)
        plates.append(people.plate())
        members = []
        if male and rng.random() < spouse_rate:
            spouse_born = people.born(23, 55)
            employment = rng.choice(["home", "home", "seeking", "employed", "home"])
            members.append(
                FamilyMember(
                    relation=FamilyMember.Relation.SPOUSE,
                    name=people.fake.name_female(),
                    birth_date=spouse_born,
                    sex="F",
                    lives_with_driver=family_lives_with,
                    employment=employment,
                    monthly_income=rng.choice([0, 0, 2500, 3200, 4000])
                    if employment == "employed"
                    else 0,
                )
            )
        for rate, age_from, age_to in child_plan:
            if rng.random() < rate:
                child_male = rng.random() < 0.52
                child_born = people.born(age_from, age_to)
                age = (people.today - child_born).days // 365
                members.append(
                    FamilyMember(
                        relation=FamilyMember.Relation.CHILD,
                        name=(
                            name[0]
                            + (
                                people.fake.first_name_male()
                                if child_male
                                else people.fake.first_name_female()
                            )
                        ),
                        birth_date=child_born,
                        sex="M" if child_male else "F",
                        lives_with_driver=family_lives_with,
                        school=rng.choice(SCHOOLS) if 3 <= age <= 15 else "",
                        grade=(
                            f"{age - 5}年级" if 6 <= age <= 12 else ("幼儿园" if age < 6 else "")
                        ),
                        employment="student" if age >= 6 else "preschool",
                    )
                )
        families.append(members)
    Driver.objects.bulk_create(drivers, batch_size=500)
    members = []
    for driver, family in zip(drivers, families, strict=True):
        for member in family:
            member.driver = driver
            members.append(member)
    FamilyMember.objects.bulk_create(members, batch_size=1000)
    Vehicle.objects.bulk_create(
        [
            Vehicle(
                driver=d,
                plate=p,
                new_energy=ne,
                ownership=rng.choice(["company", "company", "own", "affiliated"]),
            )
            for d, (p, ne) in zip(drivers, plates, strict=True)
        ],
        batch_size=1000,
    )
    EmploymentHistory.objects.bulk_create(
        [
            EmploymentHistory(
                driver=d,
                employer=d.employer,
                started_on=(d.created_at - timedelta(days=rng.randrange(0, 900))).date(),
            )
            for d in drivers
            if d.employer_id
        ],
        batch_size=1000,
    )
    Consent.objects.bulk_create(
        [
            Consent(driver=d, purpose=purpose, channel=Consent.Channel.PAPER, given_at=d.created_at)
            for d in drivers
            for purpose in (Consent.Purpose.FILE, Consent.Purpose.SENSITIVE)
        ],
        batch_size=1000,
    )
    return drivers


def _apartments(building: Building, count: int) -> list[Apartment]:
    if building.apartments.exists():
        return list(building.apartments.order_by("pk"))
    rooms_per_floor = 36
    apartments = []
    for i in range(count):
        floor = i // rooms_per_floor + 1
        apartments.append(
            Apartment(
                building=building,
                number=f"{floor}{i % rooms_per_floor + 1:02d}",
                floor=floor,
                capacity=4 if i % 5 else 2,
            )
        )
    Apartment.objects.bulk_create(apartments, batch_size=1000)
    return list(building.apartments.order_by("pk"))


def _fitting(apartments: list[Apartment], drivers: list[Driver]) -> list[tuple]:
    """Pair apartments with households that fit them (the rule allocation enforces): the
    small apartments take the small households, the others the rest, in order."""
    sizes = dict(
        Driver.objects.filter(pk__in=[d.pk for d in drivers])
        .annotate(n=Count("family", filter=Q(family__lives_with_driver=True)))
        .values_list("pk", "n")
    )
    small = [a for a in apartments if a.capacity < 4]
    large = [a for a in apartments if a.capacity >= 4]
    by_size = sorted(drivers, key=lambda d: 1 + sizes.get(d.pk, 0))
    pairs = list(zip(small, by_size[: len(small)], strict=True))
    pairs += list(zip(large, by_size[len(small) :], strict=True))
    return pairs


@transaction.atomic
def load(ctx) -> None:
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(
            code__in=["kfq-logistics", "xiapu-community", "guoju-zhinan", "guoju"]
        )
    }
    missing = {"kfq-logistics", "xiapu-community", "guoju-zhinan"} - set(orgs)
    if missing:
        ctx.say(f"drivers: organisations {', '.join(sorted(missing))} missing, skipped")
        return
    quick = ctx.quick
    rng = random.Random(SEED)
    companies = _companies(ctx, orgs["xiapu-community"], 12 if quick else 125)
    broker = User.objects.filter(username="broker").first()
    broker2 = User.objects.filter(username="broker2").first()
    people = _People(rng)

    # Jiyun base: buildings and apartments.
    kfq = orgs["kfq-logistics"]
    buildings = []
    for number in (1, 2):
        building, _created = Building.objects.get_or_create(
            code=f"jiyun-{number}",
            defaults={
                "name": f"集运基地司机公寓{number}号楼",
                "organisation": kfq,
                "address": "宁波市北仑区集运基地",
                "floors": 12,
            },
        )
        buildings.append(building)
    per_building = 20 if quick else 404
    apartments = [a for b in buildings for a in _apartments(b, per_building)]

    made = {"jiyun": 0, "xiapu": 0, "guoju": 0}
    if not Driver.objects.filter(organisation=kfq).exists():
        occupied = int(len(apartments) * 0.87)
        residents = _population(
            ctx,
            people,
            organisation=kfq,
            count=occupied + (6 if quick else 40),
            residence=ResidenceType.APARTMENT,
            companies=companies,
            spouse_rate=0.72,
            child_plan=[(0.45, 3, 12), (0.2, 13, 17)],
            family_lives_with=True,
            broker=None,
            broker_rate=0,
            hardship_rate=0.05,
        )
        start = timezone.localdate() - timedelta(days=400)
        Allocation.objects.bulk_create(
            [
                Allocation(
                    apartment=apartment,
                    driver=driver,
                    started_on=start + timedelta(days=rng.randrange(0, 380)),
                )
                for apartment, driver in _fitting(apartments[:occupied], residents[:occupied])
            ]
        )
        waiting = residents[occupied:]
        Driver.objects.filter(pk__in=[d.pk for d in waiting]).update(
            residence_type=ResidenceType.RENTED
        )
        base = timezone.now() - timedelta(days=60)
        WaitingListEntry.objects.bulk_create(
            [
                WaitingListEntry(
                    building=buildings[i % 2],
                    driver=d,
                    applied_at=base + timedelta(hours=i * 20),
                    household_size=1 + d.family.count(),
                )
                for i, d in enumerate(waiting)
            ]
        )
        made["jiyun"] = len(residents)

    # Xiapu park: 2,942 drivers of the 125 companies.
    xiapu = orgs["xiapu-community"]
    if not Driver.objects.filter(organisation=xiapu).exists():
        drivers = _population(
            ctx,
            people,
            organisation=xiapu,
            count=150 if quick else 2942,
            residence=ResidenceType.RENTED,
            companies=companies,
            spouse_rate=0.62,
            child_plan=[(0.45, 3, 12), (0.2, 3, 12), (0.12, 13, 17), (0.08, 0, 3)],
            family_lives_with=True,
            broker=broker2,
            broker_rate=0.03,
            hardship_rate=0.04,
        )
        made["xiapu"] = len(drivers)

    # Guoju Zhinan: drivers who live in their cabs.
    guoju = orgs["guoju-zhinan"]
    if not Driver.objects.filter(organisation=guoju).exists():
        drivers = _population(
            ctx,
            people,
            organisation=guoju,
            count=40 if quick else 360,
            residence=ResidenceType.CAB,
            companies=companies[: max(3, len(companies) // 5)],
            spouse_rate=0.7,
            child_plan=[(0.5, 3, 16)],
            family_lives_with=False,
            broker=broker,
            broker_rate=0.12,
            hardship_rate=0.18,
        )
        for d in drivers[:: max(1, len(drivers) // 12)]:
            Note.objects.create(
                driver=d,
                author=broker,
                text=rng.choice(
                    [
                        "红领集市上登记：孩子入学积分需要社保证明，已转区人社局。",
                        "回访：运费拖欠问题已解决，司机表示满意。",
                        "夜间住车上，冬季需要取暖设施，已反馈停车场。",
                        "家属在老家看病，需要了解异地就医备案。",
                    ]
                ),
            )
        made["guoju"] = len(drivers)

    _demo_login(ctx, xiapu)
    if any(made.values()):
        audit.record(
            None,
            "driver.demo_load",
            object_type="drivers.driver",
            object_id="demo",
            changes={k: [None, v] for k, v in made.items()},
        )
    total = Driver.objects.filter(organisation__in=[kfq, xiapu, guoju]).count()
    occupied = Allocation.objects.filter(
        apartment__building__in=buildings, ended_on__isnull=True
    ).count()
    ctx.say(
        f"drivers: {total} files ({made['jiyun']} + {made['xiapu']} + {made['guoju']} new), "
        f"{len(companies)} companies, {len(apartments)} apartments, {occupied} occupied"
    )


def _demo_login(ctx, xiapu: Organisation) -> None:
    user = User.objects.filter(username="driver").first()
    if user is None:
        driver = (
            Driver.objects.filter(organisation=xiapu, user__isnull=True, family__relation="spouse")
            .filter(family__relation="child")
            .order_by("pk")
            .first()
        )
        if driver is None:
            return
        user = User(
            username="driver",
            full_name=driver.name,
            role=Role.DRIVER,
            phone=driver.phone,
        )
        user.set_password(ctx.password)
        user.save()
        Driver.objects.filter(pk=driver.pk).update(user=user)
        Consent.objects.create(
            driver=driver, purpose=Consent.Purpose.CONTACT, channel=Consent.Channel.WEB
        )
    ctx.logins.append(
        ("driver", str(Role.DRIVER.label), "driver site: my file, family, download my data")
    )
