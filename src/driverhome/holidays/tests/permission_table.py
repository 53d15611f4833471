from tests.permissions import Check

VIEWERS = frozenset({"site_staff", "supervisor", "admin", "outsider"})
EDITORS = frozenset({"supervisor", "admin"})
STAFF = frozenset({"broker", "site_staff", "unit_handler", "supervisor", "admin", "outsider"})
SYNTHETIC = {"notice": "matrix", "holidays": "2099-01-01 元旦", "workdays": ""}


def _year(personas, orgs):
    return {"year": 2025}


CHECKS = [
    Check("holidays:year-list", VIEWERS),
    Check("holidays:year-detail", VIEWERS, setup=_year),
    Check(
        "holidays:year-detail",
        EDITORS,
        setup=lambda p, o: {"year": 2099},
        method="POST",
        data=SYNTHETIC,
        note="enter",
    ),
    Check("holidays:year-import", EDITORS, method="POST", data={"year": 2099}),
    Check("GET /api/v1/calendar/years", STAFF),
    Check("GET /api/v1/calendar/years/{year}", STAFF, setup=_year),
    Check(
        "PUT /api/v1/calendar/years/{year}",
        EDITORS,
        setup=lambda p, o: {"year": 2099},
        data={"days": [{"date": "2099-01-01", "kind": "holiday", "name": "元旦"}]},
    ),
]
