"""Drivers with their families, vehicles, employers, consents, logins and the base apartments.

Proportions follow the Beilun report scaled per district: about 2.7 % of drivers
live in a base apartment (808 apartments per 30,000 drivers, 85 % occupied), most
rent nearby or sleep in the cab; 70 % have a spouse on file, children average
1.2, one in five has a login to the driver site.
"""

from __future__ import annotations

from array import array
from datetime import timedelta
from functools import lru_cache

from driverhome.core import pii
from driverhome.core.modules import optional_import

from . import names
from .bulk import Inserter, next_id, reset_sequences

APARTMENTS_PER_DISTRICT = 808
APARTMENTS_PER_BUILDING = 101
ID_SPACE_DAYS = 14_600  # birth dates spread over 40 years
_ID_MULT = 1_000_003  # scrambles serials so neighbouring drivers differ in age and region


def available() -> bool:
    return optional_import("driverhome.drivers.models") is not None


@lru_cache(maxsize=20_000)
def _char_keys(char: str) -> tuple[str, str]:
    search = optional_import("driverhome.drivers.search")
    if search is not None and hasattr(search, "name_keys"):
        return search.name_keys(char)
    from pypinyin import lazy_pinyin

    syllables = [s.lower() for s in lazy_pinyin(char, errors="ignore") if s.strip()]
    return "".join(syllables), "".join(s[0] for s in syllables)


def _name_keys(name: str) -> tuple[str, str]:
    """``drivers.search.name_keys`` character by character (names are not phrases), cached."""
    parts = [_char_keys(c) for c in name]
    return "".join(p[0] for p in parts)[:120], "".join(p[1] for p in parts)[:30]


def _identity(ctx, serial: int, sex: str, rng):
    """A unique, valid ID number for each serial: region, birth day and sequence derived from it."""
    space = len(names.REGION_CODES) * ID_SPACE_DAYS * 500
    s = (serial * _ID_MULT) % space
    region = s % len(names.REGION_CODES)
    day = (s // len(names.REGION_CODES)) % ID_SPACE_DAYS
    k = s // (len(names.REGION_CODES) * ID_SPACE_DAYS)
    born = ctx.as_of - timedelta(days=22 * 365 + day)
    number = names.id_number(rng, names.REGION_CODES[region], born, sex, 0)
    seq = 2 * k + (1 if sex == "M" else 0)
    body = number[:14] + f"{seq:03d}"
    total = sum(int(d) * w for d, w in zip(body, names._WEIGHTS, strict=True))
    return body + names._CHECK[total % 11], born, names.HOMETOWNS[region]


def generate(ctx) -> None:
    from driverhome.accounts.models import Role, User
    from driverhome.drivers import models as dm

    rng = ctx.rng("drivers")
    n = ctx.sizes.drivers
    districts = ctx.shared["districts"]
    staff = ctx.shared["staff"]
    n_districts = len(districts)
    now = ctx.now
    as_of = ctx.as_of
    nodes = ctx.shared["nodes"] if "nodes" in ctx.shared else _lifecycle_nodes()

    first_driver = ctx.shared.get("driver_first_id") or next_id(dm.Driver)
    first_user = next_id(User)
    first_family = next_id(dm.FamilyMember)
    ctx.shared["driver_first_id"] = first_driver
    ctx.shared["driver_count"] = n
    driver_district = array("H", bytes(2 * n))
    driver_org = array("q", bytes(8 * n))
    driver_user = array("q", bytes(8 * n))
    driver_child = array("q", bytes(8 * n))
    driver_spouse = array("q", bytes(8 * n))
    driver_broker = array("q", bytes(8 * n))

    # Apartment tenants: the first drivers of each district's block (random draw below).
    tenants_per_district = int(APARTMENTS_PER_DISTRICT * 0.85)

    users: list[dict] = []
    families: list[dict] = []
    vehicles: list[dict] = []
    employment: list[dict] = []
    consents: list[dict] = []
    family_id = first_family
    user_id = first_user
    apartment_drivers: dict[int, list[int]] = {d: [] for d in range(n_districts)}
    waiting_drivers: dict[int, list[int]] = {d: [] for d in range(n_districts)}

    def drivers_rows():
        nonlocal family_id, user_id
        for i in range(ctx.lo, ctx.hi):
            d = i * n_districts // n
            info = districts[d]
            sub = rng.randrange(len(info["communities"]))
            org = (
                info["communities"][sub]["id"]
                if rng.random() < 0.7
                else info["subdistricts"][sub]["id"]
            )
            sex = "M" if rng.random() < 0.97 else "F"
            name = names.person_name(rng, sex)
            pinyin, initials = _name_keys(name)
            number, born, hometown = _identity(ctx, i + first_driver, sex, rng)
            phone = names.phone(i + first_driver)
            pk = first_driver + i
            broker = None
            if rng.random() < 0.6:
                broker = rng.choice(staff["districts"][d]["brokers"][sub])
            employer = (
                rng.choice(info["companies"]) if info["companies"] and rng.random() < 0.85 else None
            )
            block_start = d * n // n_districts
            block_size = max(1, (d + 1) * n // n_districts - block_start)
            share = tenants_per_district / block_size
            if rng.random() < share and len(apartment_drivers[d]) < tenants_per_district:
                residence = "apartment"
                apartment_drivers[d].append(pk)
            else:
                residence = rng.choices(("rented", "cab", "local"), (55, 25, 20))[0]
                if residence != "local" and len(waiting_drivers[d]) < 40 and rng.random() < 0.05:
                    waiting_drivers[d].append(pk)
            tags = []
            for tag, p in (
                ("hardship", 0.05),
                ("veteran", 0.08),
                ("model_worker", 0.01),
                ("volunteer", 0.03),
            ):
                if rng.random() < p:
                    tags.append(tag)
            if (as_of - born).days > 55 * 365:
                tags.append("elderly")
            created = now - timedelta(days=rng.uniform(0, 3 * 365))
            user = None
            if i == 0 or rng.random() < 0.2:
                user = user_id
                user_id += 1
                users.append(
                    {
                        "id": user,
                        "username": "driver" if i == 0 else f"drv{pk}",
                        "password": ctx.password_hash if i == 0 else "!",
                        "role": Role.DRIVER,
                        "full_name": name,
                        "phone": phone,
                        "phone_hash": pii.lookup_hash(phone, kind="phone"),
                        "is_active": True,
                        "date_joined": created,
                    }
                )
            driver_district[i] = d
            driver_org[i] = org
            driver_user[i] = user or 0
            driver_broker[i] = broker or 0
            yield {
                "id": pk,
                "name": name,
                "name_pinyin": pinyin,
                "name_initials": initials,
                "organisation_id": org,
                "user_id": user,
                "care_broker_id": broker,
                "employer_id": employer,
                "id_number": number,
                "id_hash": pii.lookup_hash(number, kind="id"),
                "phone": phone,
                "phone_hash": pii.lookup_hash(phone, kind="phone"),
                "phone_last4": phone[-4:],
                "birth_date": born,
                "sex": sex,
                "hometown": hometown,
                "residence_type": residence,
                "tags": tags,
                "current_node_id": rng.choice(nodes) if nodes else None,
                "licence_class": rng.choices(("A2", "B2", "A1", "C1"), (70, 20, 5, 5))[0],
                "licence_expiry": as_of + timedelta(days=rng.randint(-60, 6 * 365)),
                "qualification_expiry": as_of + timedelta(days=rng.randint(-90, 6 * 365)),
                "social_insurance": rng.choices(
                    ("employee", "flexible", "resident", "none", "unknown"), (45, 20, 15, 10, 10)
                )[0],
                "party_membership": rng.choices(("none", "member", "mobile"), (92, 5, 3))[0],
                "union_member": rng.random() < 0.4,
                "created_at": created,
                "updated_at": created,
            }
            # Family, vehicle, employment, consent rows of this driver.
            if rng.random() < 0.7:
                spouse_sex = "F" if sex == "M" else "M"
                employment_kind = rng.choices(
                    ("employed", "seeking", "home", "workshop"), (45, 15, 38, 2)
                )[0]
                families.append(
                    {
                        "id": family_id,
                        "driver_id": pk,
                        "relation": "spouse",
                        "name": names.person_name(rng, spouse_sex),
                        "birth_date": born + timedelta(days=rng.randint(-1500, 1500)),
                        "sex": spouse_sex,
                        "lives_with_driver": rng.random() < 0.6,
                        "employment": employment_kind,
                        "monthly_income": rng.choice((0, 2500, 3500, 4500))
                        if employment_kind != "home"
                        else 0,
                        "created_at": created,
                    }
                )
                driver_spouse[i] = family_id
                family_id += 1
            for _ in range(rng.choices((0, 1, 2, 3), (25, 40, 30, 5))[0]):
                child_born = as_of - timedelta(days=rng.randint(0, 18 * 365))
                age = (as_of - child_born).days // 365
                families.append(
                    {
                        "id": family_id,
                        "driver_id": pk,
                        "relation": "child",
                        "name": names.person_name(rng, rng.choice("MF")),
                        "birth_date": child_born,
                        "sex": rng.choice("MF"),
                        "lives_with_driver": rng.random() < 0.5,
                        "school": f"{info['name']}第{rng.randint(1, 12)}小学"
                        if 6 <= age <= 12
                        else "",
                        "grade": f"{age - 5}年级" if 6 <= age <= 12 else "",
                        "employment": "student" if age >= 6 else "preschool",
                        "created_at": created,
                    }
                )
                if not driver_child[i]:
                    driver_child[i] = family_id
                family_id += 1
            if rng.random() < 0.15:
                families.append(
                    {
                        "id": family_id,
                        "driver_id": pk,
                        "relation": "parent",
                        "name": names.person_name(rng, rng.choice("MF")),
                        "birth_date": born - timedelta(days=rng.randint(20 * 365, 35 * 365)),
                        "lives_with_driver": False,
                        "employment": "retired",
                        "created_at": created,
                    }
                )
                family_id += 1
            if rng.random() < 0.9:
                vehicles.append(
                    {
                        "driver_id": pk,
                        "plate": names.plate(pk, rng),
                        "truck_type": rng.choices(
                            ("tractor", "box", "flatbed", "reefer"), (70, 15, 10, 5)
                        )[0],
                        "ownership": rng.choices(("own", "company", "affiliated"), (30, 50, 20))[0],
                        "new_energy": rng.random() < 0.08,
                        "created_at": created,
                    }
                )
            if employer:
                employment.append(
                    {
                        "driver_id": pk,
                        "employer_id": employer,
                        "started_on": (created - timedelta(days=rng.randint(0, 2000))).date(),
                    }
                )
            consents.append(
                {
                    "driver_id": pk,
                    "purpose": "file",
                    "channel": rng.choice(("web", "paper", "import", "staff")),
                    "given_at": created,
                }
            )

    # Users first (drivers reference them): generate drivers lazily, holding the user rows back.
    driver_writer = Inserter(dm.Driver, progress=ctx.progress)
    ctx.progress.start("drivers", ctx.hi - ctx.lo)
    pending: list[dict] = []
    for row in drivers_rows():
        pending.append(row)
        if len(pending) >= 20_000:
            _flush(users, User, None)
            driver_writer.write(pending)
            pending = []
            _flush(families, dm.FamilyMember, None)
            _flush(vehicles, dm.Vehicle, None)
            _flush(employment, dm.EmploymentHistory, None)
            _flush(consents, dm.Consent, None)
    _flush(users, User, None)
    driver_writer.write(pending)
    _flush(families, dm.FamilyMember, None)
    _flush(vehicles, dm.Vehicle, None)
    _flush(employment, dm.EmploymentHistory, None)
    _flush(consents, dm.Consent, None)
    ctx.progress.finish()
    reset_sequences(User, dm.Driver, dm.FamilyMember, dm.Vehicle, dm.EmploymentHistory, dm.Consent)

    _apartments(ctx, dm, apartment_drivers, waiting_drivers)
    ctx.shared.update(
        driver_district=driver_district,
        driver_org=driver_org,
        driver_user=driver_user,
        driver_child=driver_child,
        driver_spouse=driver_spouse,
        driver_broker=driver_broker,
    )


def prepare(ctx) -> None:
    ctx.shared["nodes"] = _lifecycle_nodes()


def _flush(rows: list[dict], model, progress) -> None:
    if rows:
        Inserter(model, progress=progress).write(rows)
        rows.clear()


def _lifecycle_nodes() -> list[int]:
    services = optional_import("driverhome.services.models")
    if services is None:
        return []
    catalogue = optional_import("driverhome.services.catalogue")
    if catalogue is not None and not services.LifecycleNode.objects.exists():
        catalogue.load_default_catalogue()
    return list(services.LifecycleNode.objects.order_by("order").values_list("pk", flat=True))


def _apartments(ctx, dm, apartment_drivers: dict[int, list[int]], waiting_drivers: dict) -> None:
    rng = ctx.rng("apartments")
    buildings, apartments, allocations, waiting = [], [], [], []
    bpk, apk = next_id(dm.Building), next_id(dm.Apartment)
    for info in ctx.districts_here():
        owner = info["operators"][0]["id"] if info["operators"] else info["id"]
        tenants = apartment_drivers[info["index"]]
        n_buildings = APARTMENTS_PER_DISTRICT // APARTMENTS_PER_BUILDING
        t = 0
        for b in range(n_buildings):
            buildings.append(
                {
                    "id": bpk,
                    "code": f"syn-d{info['index']}-b{b + 1}",
                    "name": f"{info['name']}司机公寓{b + 1}号楼",
                    "organisation_id": owner,
                    "floors": 6,
                }
            )
            for a in range(APARTMENTS_PER_BUILDING):
                floor = a // 17 + 1
                apartments.append(
                    {
                        "id": apk,
                        "building_id": bpk,
                        "number": f"{floor}{a % 17 + 1:02d}",
                        "floor": floor,
                        "capacity": rng.choice((2, 4, 4, 6)),
                    }
                )
                if t < len(tenants):
                    allocations.append(
                        {
                            "apartment_id": apk,
                            "driver_id": tenants[t],
                            "started_on": ctx.as_of - timedelta(days=rng.randint(10, 1500)),
                        }
                    )
                    t += 1
                apk += 1
            # Drivers not housed yet wait for a place (five per building, each once).
            waiters = waiting_drivers[info["index"]]
            for driver in waiters[b * 5 : b * 5 + 5]:
                waiting.append(
                    {
                        "building_id": bpk,
                        "driver_id": driver,
                        "applied_at": ctx.now - timedelta(days=rng.uniform(1, 200)),
                        "household_size": rng.randint(1, 4),
                    }
                )
            bpk += 1
    total = len(buildings) + len(apartments) + len(allocations) + len(waiting)
    ctx.progress.start("apartments", total)
    for model, rows in (
        (dm.Building, buildings),
        (dm.Apartment, apartments),
        (dm.Allocation, allocations),
        (dm.WaitingListEntry, waiting),
    ):
        Inserter(model, progress=ctx.progress).write(rows)
    ctx.progress.finish()
    reset_sequences(dm.Building, dm.Apartment, dm.Allocation, dm.WaitingListEntry)
