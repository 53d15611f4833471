"""Permission checks of the housing pages and API (drivers/views_housing.py, api_housing.py).

Objects live at Xiapu: site staff there, the supervisor and the administrator manage them;
the broker (files only) and the outsider (staff of another district) do not.
"""

from tests.permissions import Check

HOUSING = frozenset({"site_staff", "supervisor", "admin"})
# Pages without an object in the URL: the outsider uses them on his own area.
HOUSING_ANY = HOUSING | {"outsider"}


def _building(personas, orgs):
    from driverhome.drivers.models import Building

    building, _ = Building.objects.get_or_create(
        code="t-b1", defaults={"name": "1号楼", "organisation": orgs["xiapu"], "floors": 6}
    )
    return {"code": building.code}


def _apartment(personas, orgs):
    from driverhome.drivers.models import Apartment, Building

    _building(personas, orgs)
    apartment, _ = Apartment.objects.get_or_create(
        building=Building.objects.get(code="t-b1"), number="101"
    )
    return {"public_id": apartment.public_id}


def _new_building(personas, orgs, kwargs):
    from .factories import next_phone

    return {
        "code": f"t-new-{next_phone()[-6:]}",
        "name": "新楼",
        "organisation": orgs["xiapu"].pk,
        "floors": 3,
    }


def _api_new_building(personas, orgs, kwargs):
    data = _new_building(personas, orgs, kwargs)
    return {**data, "organisation": orgs["xiapu"].code}


def _new_apartment(personas, orgs, kwargs):
    from .factories import next_phone

    return {"number": f"N{next_phone()[-5:]}", "floor": 1, "capacity": 2}


def _csv(personas, orgs, kwargs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "file": SimpleUploadedFile("h.csv", "楼栋编号,房号\n".encode(), "text/csv"),
        "organisation": orgs["xiapu"].pk,
        "dry_run": "on",
    }


CHECKS = [
    Check("drivers:building-list", HOUSING_ANY),
    Check("drivers:building-create", HOUSING_ANY),
    # The outsider's post names Xiapu, outside his area: the form refuses it (200).
    Check("drivers:building-create", HOUSING_ANY, method="POST", data=_new_building, note="submit"),
    Check("drivers:housing-import", HOUSING_ANY),
    Check("drivers:housing-import", HOUSING_ANY, method="POST", data=_csv, note="upload"),
    Check("drivers:housing-template", HOUSING_ANY),
    Check("drivers:building-detail", HOUSING, setup=_building),
    Check("drivers:building-edit", HOUSING, setup=_building),
    Check(
        "drivers:building-service",
        HOUSING,
        setup=_building,
        method="POST",
        data={"out_of_service": "1"},
    ),
    Check("drivers:apartment-create", HOUSING, setup=_building),
    Check("drivers:apartment-edit", HOUSING, setup=_apartment),
    Check(
        "drivers:apartment-service",
        HOUSING,
        setup=_apartment,
        method="POST",
        data={"out_of_service": "1"},
    ),
    # API.
    Check("GET /api/v1/buildings", HOUSING_ANY),
    # The new building is managed by Xiapu: the outsider may not name it.
    Check("POST /api/v1/buildings", HOUSING, data=_api_new_building),
    Check("GET /api/v1/buildings/{code}", HOUSING, setup=_building),
    Check("PATCH /api/v1/buildings/{code}", HOUSING, setup=_building, data={"name": "一号楼"}),
    Check(
        "POST /api/v1/buildings/{code}/service",
        HOUSING,
        setup=_building,
        data={"out_of_service": True, "reason": "renovation"},
    ),
    Check(
        "POST /api/v1/buildings/{code}/apartments",
        HOUSING,
        setup=_building,
        data=_new_apartment,
    ),
    Check("GET /api/v1/apartments/{public_id}", HOUSING, setup=_apartment),
    Check("PATCH /api/v1/apartments/{public_id}", HOUSING, setup=_apartment, data={"capacity": 3}),
    Check(
        "POST /api/v1/apartments/{public_id}/service",
        HOUSING,
        setup=_apartment,
        data={"out_of_service": True},
    ),
    # A JSON body instead of the file: refused (400) for those who may, 403 for the others.
    Check("POST /api/v1/housing/import", HOUSING_ANY, data={}),
]
