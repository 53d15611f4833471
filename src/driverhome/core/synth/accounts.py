"""Organisations (a province tree shaped like Beilun, repeated) and the staff who work in it.

Every district looks like Beilun: about 30,000 drivers, three sub-districts with a
logistics community each, an industry party committee, fourteen handling units,
site operators and logistics companies. Well-known logins for benchmarks and
the load test (password ``DEMO_PASSWORD``): ``admin``, ``province`` (province
supervisor), ``supervisor`` (first district), ``handler`` (its labour bureau),
``broker`` and ``site`` (its first sub-district and site); ``driver`` is made by
the drivers generator.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError

from .bulk import Inserter, next_id, reset_sequences

CITIES = [
    ("杭州", 30.27, 120.15),
    ("宁波", 29.87, 121.55),
    ("温州", 28.00, 120.67),
    ("嘉兴", 30.75, 120.76),
    ("湖州", 30.89, 120.09),
    ("绍兴", 30.00, 120.58),
    ("金华", 29.08, 119.65),
    ("衢州", 28.94, 118.87),
    ("舟山", 30.02, 122.21),
    ("台州", 28.66, 121.42),
    ("丽水", 28.45, 119.92),
]
DISTRICT_WORDS = "东西南北中新港江湖海山城滨岭桥塘湾溪"
UNIT_KINDS = [
    ("labour", "人力资源和社会保障局", "人社局"),
    ("transport", "交通运输局", "交通局"),
    ("traffic_police", "交警大队", "交警"),
    ("public_security", "公安分局", "公安"),
    ("education", "教育局", "教育局"),
    ("social_insurance", "社会保险管理服务中心", "社保中心"),
    ("health", "卫生健康局", "卫健局"),
    ("housing", "住房和城乡建设局", "住建局"),
    ("civil_affairs", "民政局", "民政局"),
    ("justice", "司法局（法律援助中心）", "法援中心"),
    ("union", "总工会", "总工会"),
    ("women", "妇女联合会", "妇联"),
    ("market", "市场监督管理局", "市监局"),
    ("port", "港区管理处", "港区管理处"),
]
DRIVERS_PER_DISTRICT = 30_000
SUBDISTRICTS_PER_DISTRICT = 3
BROKERS_PER_SUBDISTRICT = 3
DRIVERS_PER_COMPANY = 40


def available() -> bool:
    return True


def generate(ctx) -> None:
    from driverhome.accounts.models import Organisation, Role, User

    if Organisation.objects.filter(code="syn-zj").exists():
        raise CommandError(
            "This database already holds synthetic data (organisation syn-zj): "
            "use an empty database, e.g. a new DRIVERHOME_DATA_DIR or DATABASE_URL."
        )
    rng = ctx.rng("accounts")
    sizes = ctx.sizes
    n_districts = max(1, math.ceil(sizes.drivers / ctx.district_size))
    n_companies = max(10, sizes.drivers // DRIVERS_PER_COMPANY)
    n_sites = max(1, sizes.sites)
    K = Organisation.Kind
    created = ctx.now

    org_rows: list[dict] = []
    pk = next_id(Organisation)

    def org(code, name, kind, parent, *, short="", unit_kind="", region="") -> dict:
        nonlocal pk
        path = f"{parent['path'] if parent else '/'}{pk:x}/"
        row = {
            "id": pk,
            "code": code,
            "name": name,
            "short_name": short or name[:60],
            "kind": kind,
            "unit_kind": unit_kind,
            "parent_id": parent["id"] if parent else None,
            "path": path,
            "depth": path.count("/") - 2,
            "region_code": region,
            "created_at": created,
        }
        pk += 1
        org_rows.append(row)
        return row

    province = org("syn-zj", "浙江省", K.PROVINCE, None, short="浙江", region="330000")
    cities = [
        org(f"syn-c{i}", f"{name}市", K.CITY, province, short=name, region=f"33{i + 1:02d}00")
        for i, (name, _lat, _lon) in enumerate(CITIES)
    ]
    districts = []
    for d in range(n_districts):
        c = d % len(cities)
        city_name, lat, lon = CITIES[c]
        word = DISTRICT_WORDS[(d // len(cities)) % len(DISTRICT_WORDS)]
        suffix = "" if d < len(cities) * len(DISTRICT_WORDS) else str(d)
        district = org(
            f"syn-d{d}", f"{city_name}{word}{suffix}区", K.DISTRICT, cities[c], short=f"{word}区"
        )
        info = {
            "index": d,
            "id": district["id"],
            "path": district["path"],
            "name": district["name"],
            "center": (lat + rng.uniform(-0.35, 0.35), lon + rng.uniform(-0.35, 0.35)),
            "subdistricts": [],
            "communities": [],
            "units": {},
            "operators": [],
            "companies": [],
        }
        info["party"] = org(
            f"syn-d{d}-party", f"{district['name']}交通运输行业党委", K.PARTY_COMMITTEE, district
        )["id"]
        for kind, name, short in UNIT_KINDS:
            unit = org(
                f"syn-d{d}-{kind.replace('_', '-')}",
                f"{district['name']}{name}",
                K.HANDLING_UNIT,
                district,
                short=short,
                unit_kind=kind,
            )
            info["units"][kind] = unit["id"]
        for s in range(SUBDISTRICTS_PER_DISTRICT):
            sub = org(f"syn-d{d}-s{s}", f"{district['name']}第{s + 1}街道", K.SUBDISTRICT, district)
            community = org(f"syn-d{d}-s{s}-c", f"{sub['name']}物流社区", K.COMMUNITY, sub)
            info["subdistricts"].append({"id": sub["id"], "path": sub["path"]})
            info["communities"].append({"id": community["id"], "path": community["path"]})
        districts.append(info)

    operators = []
    for i in range(n_sites):
        info = districts[i % n_districts]
        sub = rng.randrange(SUBDISTRICTS_PER_DISTRICT)
        parent = {"id": info["subdistricts"][sub]["id"], "path": info["subdistricts"][sub]["path"]}
        row = org(f"syn-op{i}", f"司机之家运营中心{i + 1}", K.OPERATOR, parent)
        entry = {
            "id": row["id"],
            "path": row["path"],
            "district": info["index"],
            "subdistrict": sub,
        }
        info["operators"].append(entry)
        operators.append(entry)

    companies = []
    for i in range(n_companies):
        info = districts[i % n_districts]
        row = org(
            f"syn-co{i}",
            f"{info['name'][:-1]}{rng.choice('顺通达运安捷恒泰丰盛')}{rng.choice('物流运输货运集运')}有限公司{i + 1}号",
            K.LOGISTICS_COMPANY,
            info,
            unit_kind="employer",
        )
        info["companies"].append(row["id"])
        companies.append(row["id"])

    ctx.progress.start("organisations", len(org_rows))
    Inserter(Organisation, progress=ctx.progress).write(org_rows)
    ctx.progress.finish()
    reset_sequences(Organisation)

    # --- staff ---------------------------------------------------------------------
    known = make_password(settings.DEMO_PASSWORD)
    ctx.password_hash = known
    user_rows: list[dict] = []
    upk = next_id(User)

    def user(username, role, organisation_id, full_name, *, password="!", superuser=False) -> int:
        nonlocal upk
        user_rows.append(
            {
                "id": upk,
                "username": username,
                "password": password,
                "role": role,
                "organisation_id": organisation_id,
                "full_name": full_name,
                "is_superuser": superuser,
                "is_staff": superuser,
                "is_active": True,
                "date_joined": created,
            }
        )
        upk += 1
        return upk - 1

    from .names import person_name

    def name() -> str:
        return person_name(rng, rng.choice("MF"))

    existing = set(
        User.objects.filter(username__in=["admin", "province"]).values_list("username", flat=True)
    )
    admin_id = (
        User.objects.get(username="admin").pk
        if "admin" in existing
        else user("admin", Role.ADMIN, None, "系统管理员", password=known, superuser=True)
    )
    staff = {"admin": admin_id, "districts": []}
    if "province" not in existing:
        staff["province"] = user(
            "province", Role.SUPERVISOR, province["id"], name(), password=known
        )
    for info in districts:
        d = info["index"]
        first = d == 0
        entry = {
            "supervisor": user(
                "supervisor" if first and "supervisor" not in existing else f"syn-sup{d}",
                Role.SUPERVISOR,
                info["id"],
                name(),
                password=known if first else "!",
            ),
            "handlers": {},
            "brokers": [],
        }
        for kind, unit_id in info["units"].items():
            username = "handler" if first and kind == "labour" else f"syn-h{d}-{kind}"
            entry["handlers"][kind] = user(
                username,
                Role.UNIT_HANDLER,
                unit_id,
                name(),
                password=known if username == "handler" else "!",
            )
        for s, sub in enumerate(info["subdistricts"]):
            brokers = []
            for b in range(BROKERS_PER_SUBDISTRICT):
                username = "broker" if first and s == 0 and b == 0 else f"syn-b{d}-{s}-{b}"
                brokers.append(
                    user(
                        username,
                        Role.BROKER,
                        sub["id"],
                        name(),
                        password=known if username == "broker" else "!",
                    )
                )
            entry["brokers"].append(brokers)
        staff["districts"].append(entry)
    for i, op in enumerate(operators):
        username = "site" if i == 0 else f"syn-s{i}"
        op["staff"] = user(
            username, Role.SITE_STAFF, op["id"], name(), password=known if i == 0 else "!"
        )

    ctx.progress.start("staff users", len(user_rows))
    Inserter(User, progress=ctx.progress).write(user_rows)
    ctx.progress.finish()
    reset_sequences(User)

    ctx.shared.update(
        province=province["id"],
        districts=districts,
        operators=operators,
        companies=companies,
        staff=staff,
        next_user_id=upk,
    )
