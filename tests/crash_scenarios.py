"""Scenarios for ``tests/test_crash.py``, run in a separate process that the test kills.

    python tests/crash_scenarios.py setup SCENARIO     # prepare the data, print JSON
    python tests/crash_scenarios.py run SCENARIO       # do the write; stop at the chosen point

``DRIVERHOME_DATA_DIR`` names the data folder (a file SQLite database, or ``DATABASE_URL``).
With ``CRASH_AFTER=N`` and ``CRASH_MARKER=path`` the process counts the writing SQL
statements it sends; when the Nth has been executed it writes the marker (with
whether a transaction is open) and waits to be killed with SIGKILL, so the kill lands
at exactly that point, mid-transaction, with no Python clean-up run.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "driverhome.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def install_crash_point() -> None:
    after = int(os.environ.get("CRASH_AFTER", "0"))
    marker = os.environ.get("CRASH_MARKER")
    if not after or not marker:
        return
    seen = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith(WRITES):
            seen["n"] += 1
            if seen["n"] == after:
                with open(marker + ".tmp", "w") as handle:
                    json.dump(
                        {"writes": seen["n"], "in_transaction": connection.in_atomic_block}, handle
                    )
                os.replace(marker + ".tmp", marker)
                time.sleep(600)  # the test kills us here
        return result

    connection.execute_wrappers.append(wrapper)


# --- scenarios -----------------------------------------------------------------------------------------


def _staff():
    from driverhome.accounts.models import Organisation, Role, User

    org, _ = Organisation.objects.get_or_create(
        code="crash-district", defaults={"name": "Crash district", "kind": "district"}
    )
    user, _ = User.objects.get_or_create(
        username="crash-supervisor",
        defaults={"role": Role.SUPERVISOR, "organisation": org, "full_name": "Crash"},
    )
    return org, user


def setup_token():
    _org, user = _staff()
    return {"user": user.pk}


def run_token():
    from driverhome.accounts import actions
    from driverhome.accounts.models import User

    user = User.objects.get(username="crash-supervisor")
    actions.issue_token(user, actor=user, name="crash test")


def id_number(serial: int) -> str:
    body = f"330206198{serial % 10}0{(serial % 9) + 1}1{serial % 10}{serial % 1000:03d}"[:17]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


ROSTER_ROWS = 25
IMPORT_BATCH = 10


def roster_csv() -> bytes:
    lines = ["姓名,身份证号,手机号,车牌号,居住方式"]
    for i in range(ROSTER_ROWS):
        lines.append(f"司机{i:03d},{id_number(i)},139{i:08d},浙B{i:05d},车上")
    return ("\n".join(lines) + "\n").encode("utf-8")


def setup_import():
    org, _user = _staff()
    return {"organisation": org.pk, "rows": ROSTER_ROWS, "batch": IMPORT_BATCH}


def run_import():
    from driverhome.accounts.models import Organisation, User
    from driverhome.drivers import importer

    importer.BATCH = IMPORT_BATCH  # several batches from a small file
    org = Organisation.objects.get(code="crash-district")
    result = importer.run_import(
        roster_csv(),
        filename="roster.csv",
        organisation=org,
        actor=User.objects.get(username="crash-supervisor"),
    )
    if result.rejected:
        raise SystemExit(f"rows rejected: {result.errors[:3]}")


def setup_transition():
    from driverhome.appeals import actions
    from driverhome.appeals.models import Category

    org, user = _staff()
    category = Category.objects.filter(is_active=True, parent__isnull=False).first()
    appeal = actions.file_appeal(
        actor=user,
        channel="phone",
        category=category,
        description="Freight unpaid for two months.",
        organisation=org,
        reporter_name="王师傅",
        reporter_phone="13912345678",
    )
    return {"appeal": appeal.pk, "status": appeal.status}


def run_transition():
    from driverhome.accounts.models import Organisation, User
    from driverhome.appeals import actions
    from driverhome.appeals.models import Appeal

    org = Organisation.objects.get(code="crash-district")
    unit, _ = Organisation.objects.get_or_create(
        code="crash-unit",
        defaults={"name": "Crash unit", "kind": "unit", "unit_kind": "labour", "parent": org},
    )
    appeal = Appeal.objects.order_by("-pk").first()
    actions.dispatch(appeal, unit, actor=User.objects.get(username="crash-supervisor"))


SCENARIOS = {
    "token": (setup_token, run_token),
    "import": (setup_import, run_import),
    "transition": (setup_transition, run_transition),
}


def main(argv: list[str]) -> None:
    phase, name = argv[1], argv[2]
    setup, run = SCENARIOS[name]
    if phase == "setup":
        print(json.dumps(setup()))
    else:
        install_crash_point()
        run()
        print(json.dumps({"finished": True}))


if __name__ == "__main__":
    main(sys.argv)
