"""One validation per field (core/validation.py): every write operation of the API, the forms,
the roster importer and Open311 accept and refuse the same values, on both engines.

The parametrised tests walk every body schema of every write operation and every model
field it maps to: a value one over the limit is refused naming the field and the limit, a
value at the limit passes; the end-to-end tests store values at the limit through the API
(PostgreSQL enforces ``varchar`` lengths: a value the rule let through would answer 500 there).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from driverhome.core import validation
from driverhome.core.validation import WriteSchema

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _write_operations():
    from driverhome.config.api import api

    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                if set(operation.methods) & WRITE_METHODS:
                    yield f"{operation.methods[0]} {prefix.rstrip('/')}{path}", operation


def _body_schemas(operation):
    for model in operation.models:
        if getattr(model, "__ninja_param_source__", None) != "body":
            continue
        for field in model.model_fields.values():
            yield field.annotation


def _schemas() -> list[type[WriteSchema]]:
    found = {}
    for _label, operation in _write_operations():
        for schema in _body_schemas(operation):
            found[f"{schema.__module__}.{schema.__qualname__}"] = schema
    return [found[k] for k in sorted(found)]


def _text_cases():
    for schema in _schemas():
        for name, rule in schema.__field_rules__.items():
            if rule.max_length is not None:
                yield pytest.param(schema, name, rule, id=f"{schema.__qualname__}.{name}")


def _field_errors(schema, data: dict, name: str) -> list[dict]:
    try:
        schema.model_validate(data)
    except ValidationError as exc:
        key = schema.model_fields[name].alias or name
        return [e for e in exc.errors() if e["loc"] and e["loc"][0] == key]
    return []


def test_every_write_operation_has_a_checked_body():
    """No write operation takes a body that skips the field rules."""
    labels = []
    for label, operation in _write_operations():
        for schema in _body_schemas(operation):
            assert isinstance(schema, type) and issubclass(schema, WriteSchema), label
            labels.append(label)
    assert len(labels) >= 35


def test_every_text_and_list_field_of_a_body_has_a_limit():
    for schema in _schemas():
        for name, field in schema.model_fields.items():
            kind, _item = validation._base_type(field.annotation)
            if kind is None:
                continue
            rule = schema.__field_rules__[name]
            if kind is str:
                assert rule.max_length or rule.choices, f"{schema.__qualname__}.{name}"
            else:
                assert rule.max_items, f"{schema.__qualname__}.{name}"


@pytest.mark.parametrize(("schema", "name", "rule"), list(_text_cases()))
def test_one_over_the_limit_is_refused_and_the_limit_passes(schema, name, rule):
    if rule.choices:
        over = "x" * (rule.max_length + 1)
        errors = _field_errors(schema, {name: over}, name)
        assert errors and errors[0]["type"] in ("too_long", "invalid_choice")
        assert _field_errors(schema, {name: "not-a-choice"}, name)
        assert _field_errors(schema, {name: rule.choices[0]}, name) == []
        return
    errors = _field_errors(schema, {name: "字" * (rule.max_length + 1)}, name)
    assert [e["type"] for e in errors] == ["too_long"]
    assert errors[0]["ctx"]["limit"] == rule.max_length
    assert _field_errors(schema, {name: "字" * rule.max_length}, name) == []


def _mapped_model_fields():
    """(schema, schema field, model field) for each body field that writes a model text field."""
    from django.db import models

    for schema in _schemas():
        model = schema.rules_model
        for name in schema.__field_rules__:
            mapped = schema.rules_map.get(name, name)
            owner = model
            if isinstance(mapped, tuple):
                owner, mapped = validation._model(mapped[0]), mapped[1]
            if owner is None or not isinstance(mapped, str):
                continue
            try:
                field = owner._meta.get_field(mapped)
            except Exception:  # noqa: BLE001 - not a model field: the default rule
                continue
            if isinstance(field, models.CharField | models.TextField):
                yield pytest.param(schema, name, field, id=f"{schema.__qualname__}.{name}")


@pytest.mark.parametrize(("schema", "name", "field"), list(_mapped_model_fields()))
def test_the_rule_is_the_model_fields_own(schema, name, field, client):
    """The limit and the choices come from the model field, and the OpenAPI schema says so."""
    rule = schema.__field_rules__[name]
    declared = validation._DECLARED.get((field.model._meta.label_lower, field.name))
    expected = declared or validation.rule_for(field.model, field.name)
    assert rule in (expected, validation.Rule(max_items=validation.ITEMS_MAX, item=expected))
    if declared is None:
        assert rule.max_length == (field.max_length or validation.TEXT_MAX)
        if field.choices:
            assert set(rule.choices) == {str(v) for v, _l in field.flatchoices}


def test_invisible_text_is_refused():
    for text in ("\u200b\u200b", "\u3000", "\ufeff", "\u200d\u2060", "\u3164", " \u200e "):
        assert validation.is_invisible(text)
        with pytest.raises(validation.FieldInvalid):
            validation.Rule(max_length=10, required=True).clean(text)
    # Surrounding whitespace is stripped, as the forms do; what is left must be visible.
    assert validation.Rule(max_length=10).clean(" \u3000 ") == ""
    with pytest.raises(validation.FieldInvalid):
        validation.Rule(max_length=10).clean(" \u200b ")
    assert validation.Rule(max_length=10).clean("  王 伟 ") == "王 伟"
    assert not validation.is_invisible("a\u200b")


# --- end to end, both engines ------------------------------------------------------------------


@pytest.fixture
def staff(client, personas, api_token):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_token('site_staff')}"
    return client


def _post(client, url, body, method="post"):
    return getattr(client, method)(url, body, content_type="application/json")


def _driver_body(**extra):
    from driverhome.drivers import rosters

    row = rosters.rows(1, seed=99)[0]
    return {"name": "王伟", "id_number": row[1], "phone": "13912345678", **extra}


def _named(response, field: str) -> bool:
    return any(e["loc"][-1] == field for e in response.json().get("errors", []))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "limit"), [("name", 60), ("hometown", 60)], ids=["name", "hometown"]
)
def test_driver_text_over_the_limit_is_400_and_at_the_limit_stored(staff, field, limit):
    from driverhome.drivers.models import Driver

    over = _post(staff, "/api/v1/drivers", _driver_body(**{field: "张" * (limit + 1)}))
    assert over.status_code == 400 and _named(over, field), over.content
    assert not Driver.objects.filter(phone_hash__isnull=False, hometown="张" * (limit + 1)).exists()
    created = _post(staff, "/api/v1/drivers", _driver_body(**{field: "张" * limit}))
    assert created.status_code == 201, created.content
    public_id = created.json()["public_id"]
    assert getattr(Driver.objects.get(public_id=public_id), field) == "张" * limit
    patched = _post(
        staff, f"/api/v1/drivers/{public_id}", {field: "李" * (limit + 1)}, method="patch"
    )
    assert patched.status_code == 400 and _named(patched, field)
    patched = _post(staff, f"/api/v1/drivers/{public_id}", {field: "李" * limit}, method="patch")
    assert patched.status_code == 200
    assert getattr(Driver.objects.get(public_id=public_id), field) == "李" * limit


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"residence_type": "xyz"}, "residence_type"),
        ({"residence_type": "r" * 17}, "residence_type"),
        ({"licence_class": "ZZ"}, "licence_class"),
        ({"licence_class": "A2A2A"}, "licence_class"),
        ({"tags": ["x" * 1024] * 1000}, "tags"),
        ({"tags": ["veteran", "nope"]}, "tags"),
        ({"name": "\u200b\u200b\u200b"}, "name"),
        ({"name": "名" * 1_000}, "name"),
    ],
)
def test_driver_values_the_forms_refuse_are_refused(staff, body, field):
    from driverhome.drivers.models import Driver

    before = Driver.objects.count()
    response = _post(staff, "/api/v1/drivers", _driver_body(**body))
    assert response.status_code == 400 and _named(response, field), response.content
    assert Driver.objects.count() == before


@pytest.fixture
def driver_id(staff):
    response = _post(staff, "/api/v1/drivers", _driver_body())
    assert response.status_code == 201
    return response.json()["public_id"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"employment": "e" * 13}, "employment"),
        ({"employment": "bogus"}, "employment"),
        ({"sex": "MF"}, "sex"),
        ({"name": "名" * 61}, "name"),
        ({"school": "校" * 121}, "school"),
        ({"grade": "级" * 31}, "grade"),
        ({"relation": "r" * 11}, "relation"),
    ],
)
def test_family_values_over_their_rules_are_400(staff, driver_id, body, field):
    payload = {"relation": "child", "name": "王小明", **body}
    response = _post(staff, f"/api/v1/drivers/{driver_id}/family", payload)
    assert response.status_code == 400 and _named(response, field), response.content


@pytest.mark.django_db
def test_family_values_at_their_limits_are_stored(staff, driver_id):
    from driverhome.drivers.models import FamilyMember

    payload = {
        "relation": "child",
        "name": "名" * 60,
        "school": "校" * 120,
        "grade": "级" * 30,
        "employment": "preschool",
        "sex": "F",
    }
    response = _post(staff, f"/api/v1/drivers/{driver_id}/family", payload)
    assert response.status_code == 201, response.content
    member = FamilyMember.objects.get(public_id=response.json()["public_id"])
    assert (member.name, member.school, member.grade) == ("名" * 60, "校" * 120, "级" * 30)


@pytest.mark.django_db
@pytest.mark.parametrize("ownership", ["o" * 11, "bogus"])
def test_vehicle_ownership_outside_its_choices_is_400(staff, driver_id, ownership):
    response = _post(
        staff,
        f"/api/v1/drivers/{driver_id}/vehicles",
        {"plate": "浙B12345", "ownership": ownership},
    )
    assert response.status_code == 400 and _named(response, "ownership"), response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "述" * 4001),
        ("description", "\u200b" * 20),
        ("address", "址" * 201),
        ("reporter_name", "名" * 61),
        ("reporter_phone", "1" * 33),
    ],
)
def test_appeal_fields_over_their_rules_are_400_never_cut(staff, field, value):
    from driverhome.appeals.models import Appeal, Category

    category = Category.objects.filter(is_active=True, parent__isnull=False).first()
    body = {"category": category.code, "description": "停车场没有车位", "channel": "phone"}
    before = Appeal.objects.count()
    response = _post(staff, "/api/v1/appeals", {**body, field: value})
    assert response.status_code == 400 and _named(response, field), response.content
    assert Appeal.objects.count() == before


@pytest.mark.django_db
def test_appeal_fields_at_their_limits_are_stored(staff):
    from driverhome.appeals.models import Appeal, Category

    category = Category.objects.filter(is_active=True, parent__isnull=False).first()
    body = {
        "category": category.code,
        "description": "述" * 4000,
        "address": "址" * 200,
        "channel": "phone",
    }
    response = _post(staff, "/api/v1/appeals", body)
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(tracking_no=response.json()["tracking_no"])
    assert (appeal.description, appeal.address) == ("述" * 4000, "址" * 200)


# --- the forms, the importer and Open311 follow the same rules --------------------------------


@pytest.mark.django_db
def test_the_driver_form_refuses_what_the_api_refuses(personas):
    from driverhome.drivers.forms import DriverForm, FamilyForm

    base = {"residence_type": "rented", "social_insurance": "unknown", "party_membership": "none"}
    for name in ("\u200b\u200b", "名" * 61):
        form = DriverForm({**base, "name": name}, user=personas["admin"])
        assert not form.is_valid() and "name" in form.errors
    form = DriverForm({**base, "name": "名" * 60}, user=personas["admin"])
    assert form.is_valid(), form.errors
    assert form.fields["hometown"].widget.attrs["maxlength"] == "60"
    family = FamilyForm({"relation": "child", "name": "\u3000\u200b", "employment": "unknown"})
    assert not family.is_valid() and "name" in family.errors


@pytest.mark.django_db
def test_the_intake_form_refuses_invisible_descriptions(personas):
    from driverhome.appeals.forms import DriverAppealForm
    from driverhome.appeals.models import Category

    category = Category.objects.filter(is_active=True, parent__isnull=False).first()
    form = DriverAppealForm(
        {"idempotency_key": "k1", "category": category.code, "description": "\u200b" * 9}
    )
    assert not form.is_valid() and "description" in form.errors


@pytest.mark.django_db
def test_the_importer_refuses_a_long_hometown_instead_of_cutting_it(orgs):
    from driverhome.drivers import importer, rosters
    from driverhome.drivers.models import Driver

    rows = rosters.rows(3, seed=5)
    rows[1][6] = "乡" * 61
    rows[2][0] = "\u200b"
    result = importer.run_import(rosters.to_csv(rows), filename="r.csv", organisation=orgs["xiapu"])
    assert result.created == 1
    assert {(r[0], r[2]) for r in result.errors} == {(3, "籍贯"), (4, "姓名")}
    assert not Driver.objects.filter(hometown__startswith="乡").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("first_name", "名" * 61),
        ("address_string", "址" * 201),
        ("description", "\u200b\u200b"),
        ("phone", "1" * 33),
    ],
)
def test_open311_refuses_instead_of_cutting(client, orgs, param, value):
    from driverhome.appeals.models import Appeal, Category, Open311Key

    _key, secret = Open311Key.issue("rules", orgs["district"])
    category = Category.objects.filter(is_active=True, parent__isnull=False).first()
    body = {
        "api_key": secret,
        "service_code": category.code,
        "address_string": "北仑港",
        "description": "路灯坏了",
        param: value,
    }
    before = Appeal.objects.count()
    response = client.post("/open311/v2/requests.json", body)
    assert response.status_code == 400, response.content
    assert param.split("_")[0] in response.json()[0]["description"]
    assert Appeal.objects.count() == before
