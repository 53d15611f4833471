"""The OpenAPI links of ``/api/v1/openapi.json`` are correct: each names an operation of the
schema, fills exactly that operation's path parameters, and reads them from a field the
source response (or request) really has. The stateful fuzzing follows these links."""

from __future__ import annotations

import re

import pytest

from driverhome.config.api import LINKS

PREFIX = "/api/v1"


@pytest.fixture(scope="module")
def openapi():
    from django.test import Client

    return Client().get(f"{PREFIX}/openapi.json").json()


def _resolve(openapi, schema):
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _field(openapi, schema, pointer: str):
    """The schema of the value at JSON ``pointer`` in a body described by ``schema``."""
    for part in pointer.strip("/").split("/"):
        schema = _resolve(openapi, schema)
        if part.isdigit():
            assert schema.get("type") == "array", f"{pointer}: {part} indexes a non-array"
            schema = schema["items"]
        else:
            assert part in schema.get("properties", {}), f"{pointer}: no field {part!r}"
            schema = schema["properties"][part]
    return _resolve(openapi, schema)


def _operations(openapi):
    return {
        op["operationId"]: (path, method, op)
        for path, ops in openapi["paths"].items()
        for method, op in ops.items()
    }


def test_every_declared_link_is_published(openapi):
    published = {
        (method, path.removeprefix(PREFIX), status): set(response.get("links", {}))
        for path, ops in openapi["paths"].items()
        for method, op in ops.items()
        for status, response in op["responses"].items()
    }
    for key, links in LINKS.items():
        assert published[key] == {name for name, *_ in links}, key
    assert sum(len(links) for links in published.values()) >= 80


def test_links_fill_the_target_parameters_from_real_fields(openapi):
    operations = _operations(openapi)
    checked = 0
    for path, ops in openapi["paths"].items():
        for _method, op in ops.items():
            for response in op["responses"].values():
                body = response.get("content", {}).get("application/json", {}).get("schema")
                for name, link in response.get("links", {}).items():
                    target_path, _target_method, target = operations[link["operationId"]]
                    path_params = set(re.findall(r"{(\w+)}", target_path))
                    declared = {
                        p["name"] for p in target.get("parameters", []) if p["in"] == "path"
                    }
                    assert path_params == declared
                    # Every filled parameter is a path parameter of the target; the only
                    # one left to the caller is the action verb.
                    assert set(link["parameters"]) <= path_params, name
                    assert path_params - set(link["parameters"]) <= {"action"}, name
                    for expression in link["parameters"].values():
                        if expression.startswith("$request.path."):
                            assert "{" + expression.rsplit(".", 1)[-1] + "}" in path, name
                        else:
                            source, pointer = expression.split("#", 1)
                            assert source == "$response.body", name
                            field = _field(openapi, body, pointer)
                            assert field.get("type") in ("string", "integer"), (name, field)
                    checked += 1
    assert checked >= 80


@pytest.mark.django_db
def test_a_link_leads_to_the_object_it_names(api, personas, orgs):
    """Following ``CreateDriver -> GetDriver`` by hand: the value the link reads from the
    created file's response opens that same file."""
    from driverhome.drivers.tests.factories import next_id, next_phone

    links = next(
        response["links"]
        for response in _operations_by_path()["post", "/drivers"]["responses"].values()
        if "links" in response
    )
    pointer = links["GetDriver"]["parameters"]["public_id"].split("#", 1)[1]
    client = api("supervisor")
    created = client.post(
        f"{PREFIX}/drivers",
        {
            "name": "李强",
            "organisation": orgs["xiapu"].code,
            "id_number": next_id(),
            "phone": next_phone(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    value = created.json()
    for part in pointer.strip("/").split("/"):
        value = value[int(part)] if part.isdigit() else value[part]
    fetched = client.get(f"{PREFIX}/drivers/{value}")
    assert fetched.status_code == 200
    assert fetched.json()["public_id"] == created.json()["public_id"]


def _operations_by_path():
    from django.test import Client

    openapi = Client().get(f"{PREFIX}/openapi.json").json()
    return {
        (method, path.removeprefix(PREFIX)): op
        for path, ops in openapi["paths"].items()
        for method, op in ops.items()
    }
