from tests.permissions import EVERYONE, Check

FILES = frozenset({"broker", "site_staff", "supervisor", "admin"})
APARTMENTS = frozenset({"site_staff", "supervisor", "admin"})
SUP_ADMIN = frozenset({"supervisor", "admin"})
# Pages without an object in the URL: the outsider (staff elsewhere) uses them on his own area.
FILES_ANY = FILES | {"outsider"}
APARTMENTS_ANY = APARTMENTS | {"outsider"}
XIAPU_STAFF = frozenset({"site_staff", "supervisor", "admin"})
DRIVERS = frozenset({"driver", "other_driver"})
OWNER = frozenset({"driver"})


def _driver(personas, orgs):
    """A file at Xiapu, assigned to the broker (who works at Guoju), owned by the driver persona."""
    from driverhome.drivers.models import Driver

    from .factories import make_driver

    driver = Driver.objects.filter(user=personas["driver"]).first()
    if driver is None:
        driver = make_driver(orgs["xiapu"], name="王建国")
        Driver.objects.filter(pk=driver.pk).update(
            user=personas["driver"], care_broker=personas["broker"]
        )
    return {"public_id": driver.public_id}


def _own_file(personas, orgs):
    """The driver persona has a file; driver pages take no URL arguments."""
    _driver(personas, orgs)
    return {}


def _reveal(personas, orgs):
    return {**_driver(personas, orgs), "field": "phone"}


def _apartment(personas, orgs):
    from driverhome.drivers.models import Apartment, Building

    building, _ = Building.objects.get_or_create(
        code="t-b1", defaults={"name": "1号楼", "organisation": orgs["xiapu"]}
    )
    apartment, _ = Apartment.objects.get_or_create(building=building, number="101")
    return {"public_id": apartment.public_id}


def _transfer_target(personas, orgs, kwargs):
    from driverhome.drivers.models import Allocation, Apartment

    allocation = Allocation.objects.get(public_id=kwargs["public_id"])
    target, _ = Apartment.objects.get_or_create(
        building=allocation.apartment.building, number="T-2", defaults={"floor": 1}
    )
    return {"apartment": str(target.public_id)}


def _allocation(personas, orgs):
    from driverhome.drivers import actions
    from driverhome.drivers.models import Allocation, Apartment, Driver

    _driver(personas, orgs)
    apartment = Apartment.objects.get(public_id=_apartment(personas, orgs)["public_id"])
    allocation = Allocation.objects.filter(ended_on__isnull=True).first()
    if allocation is None:
        allocation = actions.allocate_apartment(
            apartment, Driver.objects.get(user=personas["driver"]), actor=None
        )
    return {"public_id": allocation.public_id}


def _waiting(personas, orgs):
    from driverhome.drivers import actions
    from driverhome.drivers.models import Building, Driver

    _driver(personas, orgs)
    _apartment(personas, orgs)
    entry = actions.join_waiting_list(
        Building.objects.get(code="t-b1"), Driver.objects.get(user=personas["driver"]), actor=None
    )
    return {"public_id": entry.public_id}


def _correction(personas, orgs):
    from driverhome.drivers import actions
    from driverhome.drivers.models import Driver

    _driver(personas, orgs)
    correction = actions.request_correction(
        Driver.objects.get(user=personas["driver"]),
        actor=personas["driver"],
        field="name",
        new_value="王建军",
    )
    return {"public_id": correction.public_id}


def _job(personas, orgs):
    """An import into Xiapu: the broker works at Guoju and does not see it."""
    from driverhome.drivers.models import ImportJob

    job = ImportJob.objects.create(
        organisation=orgs["xiapu"], filename="roster.xlsx", status="done", results=[]
    )
    return {"public_id": job.public_id}


def _csv_upload(personas, orgs, kwargs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "file": SimpleUploadedFile("r.csv", "姓名,身份证号,手机号\n".encode(), "text/csv"),
        "organisation": orgs["xiapu"].pk,
        "dry_run": "on",
    }


def _new_driver(personas, orgs, kwargs):
    from .factories import next_id, next_phone

    return {
        "name": "李明",
        "id_number": next_id(),
        "phone": next_phone(),
        "residence_type": "rented",
        "social_insurance": "unknown",
        "party_membership": "none",
    }


def _api_new_driver(personas, orgs, kwargs):
    from .factories import next_id, next_phone

    return {
        "name": "李明",
        "id_number": next_id(),
        "phone": next_phone(),
        "organisation": orgs["xiapu"].code,
    }


def _member(personas, orgs):
    """A family member on the driver persona's file (staff URLs name the file and him)."""
    from driverhome.drivers import actions
    from driverhome.drivers.models import Driver

    kwargs = _driver(personas, orgs)
    member = actions.add_family_member(
        Driver.objects.get(user=personas["driver"]), actor=None, relation="child", name="王小明"
    )
    return {**kwargs, "member": member.public_id}


def _vehicle(personas, orgs):
    from driverhome.drivers import actions
    from driverhome.drivers.models import Driver

    kwargs = _driver(personas, orgs)
    vehicle = actions.add_vehicle(
        Driver.objects.get(user=personas["driver"]), actor=None, plate="浙B5K321"
    )
    return {**kwargs, "vehicle": vehicle.public_id}


def _own_member(personas, orgs):
    return {"public_id": _member(personas, orgs)["member"]}


def _own_vehicle(personas, orgs):
    return {"public_id": _vehicle(personas, orgs)["vehicle"]}


CHECKS = [
    Check("drivers:driver-list", FILES_ANY),
    Check("drivers:driver-export", FILES_ANY),
    Check("drivers:driver-create", FILES_ANY),
    Check("drivers:driver-create", FILES_ANY, method="POST", data=_new_driver, note="submit"),
    Check("drivers:driver-detail", FILES, setup=_driver),
    Check("drivers:driver-edit", FILES, setup=_driver),
    Check(
        "drivers:driver-reveal",
        FILES,
        setup=_reveal,
        method="POST",
        data={"reason": "calling him back"},
    ),
    Check("drivers:note-add", FILES, setup=_driver, method="POST", data={"text": "回访"}),
    Check(
        "drivers:vehicle-add",
        FILES,
        setup=_driver,
        method="POST",
        data={"plate": "浙B12345", "truck_type": "tractor", "ownership": "own"},
    ),
    Check("drivers:family-add", FILES, setup=_driver),
    Check("drivers:driver-pick", FILES_ANY, query={"field": "driver", "driver": "王建国"}),
    Check("drivers:family-edit", FILES, setup=_member),
    Check("drivers:family-remove", FILES, setup=_member, method="POST"),
    Check("drivers:vehicle-edit", FILES, setup=_vehicle),
    Check("drivers:vehicle-remove", FILES, setup=_vehicle, method="POST"),
    Check("drivers:driver-anonymise", SUP_ADMIN, setup=_driver, method="POST"),
    Check("drivers:import-new", FILES_ANY),
    Check("drivers:import-new", FILES_ANY, method="POST", data=_csv_upload, note="upload"),
    Check("drivers:import-template", FILES_ANY),
    Check("drivers:import-detail", XIAPU_STAFF, setup=_job),
    Check("drivers:import-progress", XIAPU_STAFF, setup=_job),
    Check("drivers:import-report", XIAPU_STAFF, setup=_job),
    Check("drivers:correction-list", FILES_ANY),
    Check(
        "drivers:correction-decide",
        FILES,
        setup=_correction,
        method="POST",
        data={"decision": "reject"},
    ),
    Check("drivers:apartment-list", APARTMENTS_ANY),
    Check("drivers:apartment-detail", APARTMENTS, setup=_apartment),
    Check("drivers:allocation-vacate", APARTMENTS, setup=_allocation, method="POST"),
    Check("drivers:allocation-transfer", APARTMENTS, setup=_allocation, method="POST"),
    Check("drivers:waiting-add", APARTMENTS_ANY, method="POST", data={}),
    Check("drivers:waiting-withdraw", APARTMENTS, setup=_waiting, method="POST"),
    # Driver site.
    Check("drivers_driver:register", EVERYONE),
    Check("drivers_driver:my-file", DRIVERS, setup=_own_file),
    Check("drivers_driver:my-file-edit", DRIVERS, setup=_own_file),
    Check("drivers_driver:correction-new", DRIVERS, setup=_own_file),
    # His vehicles and family: other_driver has no file (404).
    Check("drivers_driver:vehicle-new", OWNER, setup=_own_file),
    Check("drivers_driver:vehicle-edit", OWNER, setup=_own_vehicle),
    Check("drivers_driver:vehicle-remove", OWNER, setup=_own_vehicle, method="POST"),
    Check("drivers_driver:family-new", OWNER, setup=_own_file),
    Check("drivers_driver:family-edit", OWNER, setup=_own_member),
    Check("drivers_driver:my-data", DRIVERS, setup=_own_file),
    Check("drivers_driver:my-data-json", DRIVERS, setup=_own_file),
    Check("drivers_driver:delete-request", DRIVERS, setup=_own_file),
    # other_driver has no file: 404 (nothing to consent to).
    Check(
        "drivers_driver:consent-toggle",
        OWNER,
        setup=lambda personas, orgs: {**_own_file(personas, orgs), "purpose": "contact"},
        method="POST",
    ),
    # API.
    Check("GET /api/v1/drivers", FILES_ANY),
    # The new file is held by Xiapu: the broker (Guoju) and the outsider may not create it there.
    Check("POST /api/v1/drivers", XIAPU_STAFF, data=_api_new_driver),
    Check("GET /api/v1/drivers/lookup", FILES_ANY, setup=_driver, query={"text": "浙B12345"}),
    Check("GET /api/v1/drivers/{public_id}", FILES, setup=_driver),
    Check("PATCH /api/v1/drivers/{public_id}", FILES, setup=_driver, data={"hometown": "安徽"}),
    Check(
        "POST /api/v1/drivers/{public_id}/reveal",
        FILES,
        setup=_driver,
        data={"field": "phone", "reason": "call back"},
    ),
    Check("GET /api/v1/drivers/{public_id}/timeline", FILES, setup=_driver),
    Check("GET /api/v1/drivers/{public_id}/family", FILES, setup=_driver),
    Check(
        "POST /api/v1/drivers/{public_id}/family",
        FILES,
        setup=_driver,
        data={"relation": "child", "name": "王小明", "birth_date": "2018-03-01"},
    ),
    Check("GET /api/v1/drivers/{public_id}/vehicles", FILES, setup=_driver),
    Check(
        "POST /api/v1/drivers/{public_id}/vehicles",
        FILES,
        setup=_driver,
        data={"plate": "浙BD12345"},
    ),
    Check(
        "PATCH /api/v1/drivers/{public_id}/family/{member}",
        FILES,
        setup=_member,
        data={"school": "霞浦小学"},
    ),
    Check("DELETE /api/v1/drivers/{public_id}/family/{member}", FILES, setup=_member),
    Check(
        "PATCH /api/v1/drivers/{public_id}/vehicles/{vehicle}",
        FILES,
        setup=_vehicle,
        data={"ownership": "own"},
    ),
    Check("DELETE /api/v1/drivers/{public_id}/vehicles/{vehicle}", FILES, setup=_vehicle),
    Check("GET /api/v1/me/vehicles", OWNER, setup=_own_file),
    Check("POST /api/v1/me/vehicles", OWNER, setup=_own_file, data={"plate": "浙B8H765"}),
    Check(
        "PATCH /api/v1/me/vehicles/{public_id}",
        OWNER,
        setup=_own_vehicle,
        data={"truck_type": "box"},
    ),
    Check("DELETE /api/v1/me/vehicles/{public_id}", OWNER, setup=_own_vehicle),
    Check("GET /api/v1/me/family", OWNER, setup=_own_file),
    Check(
        "POST /api/v1/me/family",
        OWNER,
        setup=_own_file,
        data={"relation": "spouse", "name": "李梅"},
    ),
    Check(
        "PATCH /api/v1/me/family/{public_id}", OWNER, setup=_own_member, data={"grade": "三年级"}
    ),
    Check("GET /api/v1/apartments", APARTMENTS_ANY),
    Check(
        "POST /api/v1/apartments/{public_id}/allocate",
        APARTMENTS,
        setup=_apartment,
        data=lambda personas, orgs, kwargs: {"driver": _phone_of_owner(personas, orgs)},
    ),
    Check("POST /api/v1/allocations/{public_id}/vacate", APARTMENTS, setup=_allocation),
    Check(
        "POST /api/v1/allocations/{public_id}/transfer",
        APARTMENTS,
        setup=_allocation,
        data=_transfer_target,
    ),
]


def _phone_of_owner(personas, orgs):
    from driverhome.drivers.models import Driver

    _driver(personas, orgs)
    return Driver.objects.get(user=personas["driver"]).phone


# Buildings and apartments managed from the console and the API.
from .permission_table_housing import CHECKS as _HOUSING_CHECKS  # noqa: E402

CHECKS += _HOUSING_CHECKS
