import json

import pytest

from driverhome.accounts.models import User
from driverhome.drivers import actions
from driverhome.drivers.models import Consent, CorrectionRequest, Driver, FamilyMember

from .factories import make_driver, next_id, next_phone


def _register(client, orgs, sms, **overrides):
    """The registration page as a driver uses it: a code to his number, then the form."""
    data = {
        "name": "王建国",
        "phone": next_phone(),
        "id_number": next_id(),
        "site": orgs["xiapu"].pk,
        "password": "a-long-pass-2026",
        "consent_file": "on",
        "consent_sensitive": "on",
    }
    data.update(overrides)
    sent = client.post("/d/drivers/register/", {**data, "action": "send"})
    assert sent.status_code == 200, sent.content
    data["code"] = sms.code_for(data["phone"])
    return client.post("/d/drivers/register/", {**data, "action": "submit"}), data


@pytest.mark.django_db
def test_registration_opens_a_file_with_consent_and_logs_in(client, orgs, sms):
    response, data = _register(client, orgs, sms)
    assert response.status_code == 302 and response["Location"] == "/d/drivers/"
    driver = Driver.objects.get()
    assert driver.user.phone == data["phone"] and driver.organisation == orgs["xiapu"]
    assert set(driver.consents.values_list("purpose", flat=True)) == {"file", "sensitive"}
    page = client.get("/d/drivers/").content.decode()
    assert driver.id_masked in page and data["id_number"] not in page


@pytest.mark.django_db
def test_registration_needs_consent(client, orgs, sms):
    response, _ = _register(client, orgs, sms, consent_sensitive="")
    assert response.status_code == 200
    assert not Driver.objects.exists() and not User.objects.filter(role="driver").exists()


@pytest.mark.django_db
def test_registration_links_an_existing_file_only_with_the_same_phone(client, orgs, sms):
    existing = make_driver(orgs["xiapu"], name="王建国")
    response, _ = _register(client, orgs, sms, id_number=existing.id_number)
    assert response.status_code == 200
    assert "phone_mismatch" not in response.content.decode()
    assert response.context["form"].errors
    response, _ = _register(client, orgs, sms, id_number=existing.id_number, phone=existing.phone)
    assert response.status_code == 302
    assert Driver.objects.count() == 1
    assert Driver.objects.get().user is not None


@pytest.mark.django_db
def test_registration_refuses_a_wrong_check_digit(client, orgs, sms):
    number = next_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    response, _ = _register(client, orgs, sms, id_number=wrong)
    assert response.status_code == 200
    assert "id_number" in response.context["form"].errors


@pytest.fixture
def own(orgs, personas):
    driver = make_driver(orgs["xiapu"], name="王建国")
    Driver.objects.filter(pk=driver.pk).update(user=personas["driver"])
    driver.refresh_from_db()
    FamilyMember.objects.create(driver=driver, relation="child", name="王小明")
    return driver


@pytest.mark.django_db
def test_driver_edits_plain_fields_at_once(client_for, own):
    client = client_for("driver")
    response = client.post(
        "/d/drivers/edit/",
        {"hometown": "安徽阜阳", "household_registration": "", "residence_type": "cab"},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.hometown, own.residence_type) == ("安徽阜阳", "cab")


@pytest.mark.django_db
def test_protected_correction_goes_to_staff_and_is_applied_on_confirmation(
    client_for, own, personas
):
    new_phone = next_phone()
    response = client_for("driver").post(
        "/d/drivers/correct/", {"field": "phone", "new_value": new_phone, "reason": "换号"}
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.phone != new_phone
    correction = CorrectionRequest.objects.get()
    staff = client_for("site_staff")
    listing = staff.get("/console/drivers/corrections/").content.decode()
    assert own.name in listing and new_phone not in listing
    staff.post(
        f"/console/drivers/corrections/{correction.public_id}/decide/", {"decision": "confirm"}
    )
    own.refresh_from_db()
    assert own.phone == new_phone
    correction.refresh_from_db()
    assert correction.status == "confirmed" and correction.decided_by == personas["site_staff"]


@pytest.mark.django_db
def test_rejected_correction_changes_nothing(own, personas):
    correction = actions.request_correction(
        own, actor=personas["driver"], field="name", new_value="王建军"
    )
    actions.decide_correction(correction, actor=personas["site_staff"], confirm=False)
    own.refresh_from_db()
    assert own.name == "王建国"


@pytest.mark.django_db
def test_download_my_data(client_for, own):
    client = client_for("driver")
    data = json.loads(client.get("/d/drivers/my-data.json").content)
    assert data["file"]["id_number"] == own.id_number
    assert data["family"][0]["name"] == "王小明"
    page = client.get("/d/drivers/my-data/").content.decode()
    assert "王小明" in page and own.id_number not in page


@pytest.mark.django_db
def test_deletion_anonymises_and_keeps_statistics(client_for, own, personas, orgs):
    kept = (own.organisation_id, own.employer_id, own.residence_type, own.sex, own.tags)
    born = own.birth_date
    client = client_for("driver")
    response = client.post("/d/drivers/delete/", {"confirm": "on"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.is_anonymised and own.id_number == "" and own.phone == ""
    assert own.id_hash is None and own.phone_hash is None and own.user is None
    assert "王建国" not in own.name
    assert own.family.get().name != "王小明"
    # What the statistics count stays on the file (anonymise_driver's promise).
    assert own.organisation == orgs["xiapu"]
    assert (own.organisation_id, own.employer_id, own.residence_type, own.sex, own.tags) == kept
    assert own.birth_date is None or own.birth_date.year == born.year
    assert Driver.objects.filter(pk=own.pk).exists()
    assert own.consents.filter(withdrawn_at__isnull=True).count() == 0
    personas["driver"].refresh_from_db()
    assert not personas["driver"].is_active
    assert client.get("/d/drivers/").status_code == 302


@pytest.mark.django_db
def test_anonymised_file_frees_its_id_number_for_a_new_registration(
    client, orgs, own, personas, sms
):
    number = own.id_number
    actions.anonymise_driver(own, actor=personas["supervisor"])
    response, _ = _register(client, orgs, sms, id_number=number)
    assert response.status_code == 302
    assert Consent.objects.filter(driver__user__isnull=False).count() == 2


@pytest.mark.django_db
def test_driver_gives_and_withdraws_optional_consent(client_for, own):
    client = client_for("driver")
    client.post("/d/drivers/consents/contact/")
    assert own.consents.filter(purpose="contact", withdrawn_at__isnull=True).exists()
    client.post("/d/drivers/consents/contact/")
    assert own.consents.get(purpose="contact").withdrawn_at is not None
    assert client.post("/d/drivers/consents/file/").status_code == 404
