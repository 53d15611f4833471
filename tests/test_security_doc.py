"""docs/security.md's table of personal values is true: each row's column exists and is
protected as it says, every encrypted or sealed column has a row, and an erasure leaves
each row's column as the row says."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db.models import Q

from driverhome.accounts.models import Sealed
from driverhome.core.pii import EncryptedTextField

DOC = Path(__file__).resolve().parent.parent / "docs" / "security.md"
PROTECTIONS = {"clear", "field key", "keyed hash", "personal key"}
AFTER = {"emptied", "replaced", "deleted", "key destroyed", "kept"}


def table_rows() -> list[dict]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("**Where each personal value is stored.**") :]
    rows = []
    for line in section.splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        if not line.startswith("| ") or line.startswith("| value ") or line.startswith("|---"):
            continue
        value, stored, protection, shown, after = [c.strip() for c in line.strip("|").split("|")]
        table, column = stored.strip("`").split(".")
        rows.append(
            {
                "value": value,
                "table": table,
                "column": column,
                "protection": protection,
                "shown": shown,
                "after": after,
            }
        )
    return rows


ROWS = table_rows()


def model_of(table: str):
    return next(m for m in apps.get_models() if m._meta.db_table == table)


def field_of(row):
    model = model_of(row["table"])
    return model, next(f for f in model._meta.concrete_fields if f.column == row["column"])


def protection_of(model, field) -> str:
    if isinstance(field, EncryptedTextField):
        return "field key"
    if field.name == "sealed" and issubclass(model, Sealed):
        return "personal key"
    if field.name.endswith("_hash") and getattr(field, "max_length", None) == 64:
        return "keyed hash"
    return "clear"


def test_the_table_is_read():
    assert len(ROWS) > 30
    assert {r["protection"] for r in ROWS} == PROTECTIONS
    assert {r["after"] for r in ROWS} == AFTER


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['table']}.{r['column']}")
def test_each_row_names_a_column_protected_as_it_says(row):
    model, field = field_of(row)
    assert protection_of(model, field) == row["protection"]


def test_every_encrypted_or_sealed_column_has_a_row():
    documented = {(r["table"], r["column"]) for r in ROWS}
    missing = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if protection_of(model, field) in ("field key", "personal key"):
                if (model._meta.db_table, field.column) not in documented:
                    missing.append(f"{model._meta.db_table}.{field.column}")
    assert missing == []


@pytest.mark.django_db
def test_an_erasure_leaves_each_column_as_the_table_says(orgs, personas):
    from driverhome.accounts.models import PersonalKey, Role, User
    from driverhome.appeals.tests.factories import file
    from driverhome.drivers import actions

    staff = personas["site_staff"]
    login = User.objects.create_user(
        "d13957719468", password="x", role=Role.DRIVER, full_name="欧阳翠霞", phone="13957719468"
    )
    driver = actions.create_driver(
        actor=staff,
        organisation=orgs["xiapu"],
        name="欧阳翠霞",
        id_number="330206198507142318",
        phone="13957719468",
        user=login,
        care_broker=personas["broker"],
        hometown="岷县梅川镇",
        household_registration="甘肃省定西市岷县",
        party_branch="宁波港集卡第七支部",
    )
    actions.add_family_member(
        driver,
        actor=staff,
        relation="child",
        name="欧阳小明",
        id_number="330206201507142312",
        phone="13957719469",
        school="霞浦小学",
        employer_name="—",
    )
    actions.add_vehicle(driver, actor=staff, plate="浙B7D315")
    actions.add_note(driver, actor=staff, text="欠薪")
    actions.request_correction(driver, actor=login, field="name", new_value="欧阳翠华")
    actions.reveal(driver, actor=staff, field="phone", reason="回电")
    file(login, driver=driver)
    file(staff, reporter_name="司马芷若", reporter_phone="13811172233", reporter_email="z@x.cn")
    key = PersonalKey.objects.get(holder=f"drivers.driver:{driver.pk}")
    from driverhome.accounts.actions import bind_wechat
    from driverhome.accounts.models import StaffIdentity

    bind_wechat(login, "o-erased-driver", actor=login)
    StaffIdentity.objects.create(user=staff, subject_hash="0" * 64)

    of_driver = {
        "drivers_driver": Q(pk=driver.pk),
        "accounts_user": Q(pk=login.pk),
        "accounts_personalkey": Q(pk=key.pk),
        "accounts_auditlog": Q(personal_key=key),
        "accounts_accesslog": Q(personal_key=key),
        "accounts_wechatbinding": Q(user=login),
        "notifications_notification": Q(driver=driver) | Q(personal_key=key),
    }

    def rows(row):
        model = model_of(row["table"])
        if row["after"] == "kept":
            return model._base_manager.all()
        return model._base_manager.filter(of_driver.get(row["table"], Q(driver=driver)))

    def values(row):
        return dict(rows(row).values_list("pk", row["column"]))

    before = {(r["table"], r["column"]): values(r) for r in ROWS}
    for row in ROWS:
        assert before[(row["table"], row["column"])], f"no row to check for {row}"
    actions.anonymise_driver(driver, actor=personas["supervisor"], reason="本人申请")

    for row in ROWS:
        old, new = before[(row["table"], row["column"])], values(row)
        where = f"{row['table']}.{row['column']}"
        if row["after"] == "emptied":
            assert set(new.values()) <= {"", None}, where
        elif row["after"] == "replaced":
            assert all(new[pk] and new[pk] != value for pk, value in old.items()), where
        elif row["after"] == "deleted":
            assert new == {}, where
        elif row["after"] == "kept":
            assert {pk: new.get(pk) for pk in old} == old, where
        else:  # key destroyed: the rows stay, their key is gone
            assert set(new) == set(old), where
            assert not rows(row).exclude(personal_key__key="").exists(), where
    assert PersonalKey.objects.get(pk=key.pk).key == ""
