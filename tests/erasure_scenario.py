"""The life of one driver and one hotline caller, then the driver's erasure, in a real
process on a file database (``tests/test_erasure.py`` scans the files afterwards).

    python tests/erasure_scenario.py     # DRIVERHOME_DATA_DIR names the data folder

Every path that copies a driver's name, ID or phone elsewhere is exercised: his file and
its edits (audit log), a note, a family member, a vehicle, a reveal and a full export
(access log), the timeline and "my data", a login by his mobile number (django-axes),
requests he files (transitions, notices to him and his broker, SMS queued for the job
queue), a caller's request by phone (encrypted contact, reporter_contact, SMS), then
``anonymise_driver``. Prints JSON: the figures before and after the erasure.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "driverhome.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

# Distinctive values: found in no catalogue, template or translation of the platform.
DRIVER_NAME = "欧阳翠霞"
DRIVER_ID = "330206198507142318"
DRIVER_PHONE = "13957719468"
HOMETOWN = "岷县梅川镇"
PARTY_BRANCH = "宁波港集卡第七支部"
REPORTER_NAME = "司马芷若"
REPORTER_PHONE = "13811172233"
REPORTER_EMAIL = "zhiruo.sima@example.cn"


def main() -> dict:
    from datetime import date

    from django.test import Client
    from django.utils import timezone

    from driverhome.accounts import codes
    from driverhome.accounts.models import Organisation, Role, User
    from driverhome.appeals import actions as appeals
    from driverhome.appeals import pii as appeal_pii
    from driverhome.appeals.models import Appeal, Category
    from driverhome.dashboard.summary import Period, compute
    from driverhome.drivers import actions as drivers
    from driverhome.drivers.exporting import drivers_xlsx
    from driverhome.drivers.models import Driver
    from driverhome.drivers.timeline import timeline_for

    district = Organisation.objects.create(code="erase-district", name="北仑区", kind="district")
    unit = Organisation.objects.create(
        code="erase-unit", name="劳动监察大队", kind="unit", parent=district
    )
    staff = User.objects.create_user(
        "erase-staff", password="x", role=Role.SITE_STAFF, organisation=district
    )
    supervisor = User.objects.create_user(
        "erase-supervisor", password="x", role=Role.SUPERVISOR, organisation=district
    )
    broker = User.objects.create_user(
        "erase-broker", password="x", role=Role.BROKER, organisation=district
    )
    handler = User.objects.create_user(
        "erase-handler", password="x", role=Role.UNIT_HANDLER, organisation=unit
    )

    # He proves his number with the registration code, read off "his phone": the real
    # delivery runs (its SMS is stored and queued like any other), the code is seen here.
    received = {}
    send_code = codes._delivery

    def phone(**kwargs):
        received[kwargs["phone"]] = kwargs["code"]
        send_code(**kwargs)

    codes.deliver_with(phone)
    try:
        codes.request_code(DRIVER_PHONE, codes.Purpose.REGISTER)
    finally:
        codes.deliver_with(send_code)
    proof = codes.verify_code(DRIVER_PHONE, codes.Purpose.REGISTER, received[DRIVER_PHONE])
    user, driver = drivers.register_driver(
        name=DRIVER_NAME,
        phone_number=DRIVER_PHONE,
        id_number=DRIVER_ID,
        password="a long password 123",
        organisation=district,
        consents=["file", "sensitive"],
        phone_proof=proof,
    )
    driver = drivers.update_driver(
        driver, actor=staff, hometown=HOMETOWN, party_branch=PARTY_BRANCH, care_broker=broker
    )
    drivers.add_note(driver, actor=staff, text=f"{DRIVER_NAME}说欠薪三个月")
    drivers.add_family_member(driver, actor=staff, relation="spouse", name=f"{DRIVER_NAME}之妻")
    drivers.add_vehicle(driver, actor=staff, plate="浙B7D315")
    drivers.reveal(driver, actor=staff, field="phone", reason=f"回电{DRIVER_NAME}")
    drivers.reveal(driver, actor=staff, field="id_number", reason="社保核对")
    drivers_xlsx(Driver.objects.filter(pk=driver.pk), user=supervisor, full=True, reason="核对")
    timeline_for(driver, staff)
    drivers.export_for_driver(driver)

    # A login by his mobile number (django-axes writes its access log).
    client = Client()
    response = client.post("/accounts/login/", {"username": DRIVER_PHONE, "password": "bad"})
    assert response.status_code in (200, 302), response.status_code
    client.post("/accounts/login/", {"username": DRIVER_PHONE, "password": "a long password 123"})

    category = Category.objects.filter(parent__isnull=False, is_active=True).order_by("code")[0]
    own = appeals.file_appeal(
        actor=user,
        driver=driver,
        channel=Appeal.Channel.APP,
        category=category,
        description="老板拖欠三个月工资",
    )
    own = appeals.dispatch(own, unit, actor=staff, note="请处理")
    own = appeals.accept(own, actor=handler)
    own = appeals.answer(own, actor=handler, text="已联系企业")
    appeal_pii.reporter_contact(own, staff, "回访")

    caller = appeals.file_appeal(
        actor=staff,
        channel=Appeal.Channel.PHONE,
        category=category,
        description="停车场晚上没有车位",
        reporter_name=REPORTER_NAME,
        reporter_phone=REPORTER_PHONE,
        reporter_email=REPORTER_EMAIL,
        organisation=district,
    )
    assert appeal_pii.reporter_contact(caller, staff, "回电")["phone"] == REPORTER_PHONE

    period = Period(start=date(2000, 1, 1), end=timezone.localdate())
    before = compute(district, period, live=True)
    drivers.anonymise_driver(driver, actor=supervisor, reason="本人申请注销")
    after = compute(district, period, live=True)

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = cursor.fetchone()[0]
    return {"before": before, "after": after, "checkpoint_busy": busy}


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, default=str))
