from tests.permissions import Check

# Dashboards are for site staff (their own subtree), supervisors and administrators.
DASHBOARD = frozenset({"site_staff", "supervisor", "admin", "outsider"})

CHECKS = [
    Check("dashboard:dashboard", DASHBOARD),
    # An area inside Beilun: the outsider (another district) gets 404.
    Check(
        "dashboard:dashboard",
        frozenset({"site_staff", "supervisor", "admin"}),
        query={"org": "t-xiapu"},
        note="xiapu",
    ),
    Check(
        "dashboard:figure-detail",
        frozenset({"site_staff", "supervisor", "admin", "outsider"}),
        setup=lambda personas, orgs: {"key": "drivers_on_file"},
    ),
    Check("dashboard:report", DASHBOARD, query={"month": "2026-01"}),
    Check("dashboard:report-xlsx", DASHBOARD, query={"month": "2026-01"}),
    Check("GET /api/v1/dashboard/summary", DASHBOARD),
    Check(
        "GET /api/v1/dashboard/summary",
        frozenset({"site_staff", "supervisor", "admin"}),
        query={"org": "t-xiapu"},
        note="xiapu",
    ),
]
