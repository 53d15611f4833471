import random

import pytest
from django.core.management import call_command
from django.db import connection

from driverhome.accounts.models import AuditLog, Organisation
from driverhome.drivers import importer, rosters
from driverhome.drivers.models import Driver, Vehicle


@pytest.fixture
def org(orgs):
    return orgs["xiapu"]


def run(data, org, name="roster.xlsx", **kw):
    return importer.run_import(data, filename=name, organisation=org, **kw)


def outcomes(result):
    return {(r[0], r[1]) for r in result.rows}


@pytest.mark.django_db
def test_good_rows_are_created_with_vehicles(org):
    result = run(rosters.to_xlsx(rosters.rows(5)), org)
    assert (result.total, result.created, result.updated, result.rejected) == (5, 5, 0, 0)
    assert Driver.objects.filter(organisation=org).count() == 5
    assert Vehicle.objects.count() == 5
    driver = Driver.objects.order_by("pk").first()
    assert driver.birth_date is not None and driver.sex == "M"
    assert driver.name_pinyin and driver.name_initials
    assert AuditLog.objects.filter(action="driver.import").count() == 1


@pytest.mark.django_db
def test_wrong_check_digit_is_rejected_with_row_and_column(org):
    from django.utils import translation

    with translation.override("en"):
        result = run(rosters.to_xlsx(rosters.rows(4, bad={2: "check_digit"})), org)
    assert result.created == 3 and result.rejected == 1
    assert result.errors == [
        [4, "rejected", "身份证号", "The check digit of the ID number is wrong."]
    ]


@pytest.mark.django_db
def test_duplicate_id_in_one_file_is_rejected(org):
    result = run(rosters.to_xlsx(rosters.rows(4, bad={3: "duplicate_id"})), org)
    assert result.created == 3
    [error] = result.errors
    assert error[0] == 5 and error[2] == "身份证号" and " 2 " in error[3]


@pytest.mark.django_db
def test_same_id_in_a_second_file_updates_the_file(org):
    data = rosters.rows(3)
    run(rosters.to_xlsx(data), org)
    data[1][5] = "住车上"
    data[1][0] = "新名字"
    result = run(rosters.to_xlsx(data), org)
    assert (result.created, result.updated, result.rejected) == (0, 3, 0)
    assert Driver.objects.count() == 3
    assert Driver.objects.get(name="新名字").residence_type == "cab"
    assert Vehicle.objects.count() == 3


@pytest.mark.django_db
def test_malformed_plate_is_rejected(org):
    result = run(rosters.to_xlsx(rosters.rows(3, bad={0: "plate"})), org)
    assert result.errors[0][:3] == [2, "rejected", "车牌号"]
    assert result.created == 2


@pytest.mark.django_db
def test_empty_rows_are_skipped_and_rows_keep_their_numbers(org):
    data = rosters.rows(3)
    data.insert(1, [None] * 8)
    data[3][2] = "123"  # the third data row is now spreadsheet row 5
    result = run(rosters.to_xlsx(data), org)
    assert result.total == 3 and result.created == 2
    assert result.errors[0][:3] == [5, "rejected", "手机号"]


@pytest.mark.django_db
def test_english_headers_and_csv(org):
    header = [
        "name",
        "id_number",
        "phone",
        "plate",
        "employer",
        "residence",
        "hometown",
        "licence_class",
    ]
    result = run(rosters.to_csv(rosters.rows(3), header=header), org, name="r.csv")
    assert result.created == 3


@pytest.mark.django_db
def test_not_a_spreadsheet_is_refused_and_nothing_is_written(org):
    with pytest.raises(importer.ImportFileError):
        run(b"%PDF-1.4\x00\x01binary", org, name="roster.pdf")
    with pytest.raises(importer.ImportFileError):
        run(b"PK\x03\x04 broken zip", org, name="roster.xlsx")
    with pytest.raises(importer.ImportFileError) as exc:
        run(b"hello,world\n1,2\n", org, name="notes.csv")
    assert "姓名" in str(exc.value)
    assert Driver.objects.count() == 0
    assert not AuditLog.objects.filter(action="driver.import").exists()


@pytest.mark.django_db
def test_dry_run_reports_the_same_and_writes_nothing(org):
    data = rosters.to_xlsx(rosters.rows(5, bad={1: "phone"}))
    result = run(data, org, dry_run=True)
    assert (result.created, result.rejected) == (4, 1)
    assert Driver.objects.count() == 0


@pytest.mark.django_db
def test_thirty_thousand_rows_with_seventeen_bad_ones(org):
    rnd = random.Random(4)
    kinds = ["check_digit", "phone", "plate", "duplicate_id", "missing_name"]
    bad_rows = sorted(rnd.sample(range(1, 30_000), 17))
    bad = {row: kinds[i % len(kinds)] for i, row in enumerate(bad_rows)}
    result = run(rosters.to_xlsx(rosters.rows(30_000, bad=bad)), org)
    assert result.rejected == 17
    assert result.created == 30_000 - 17
    assert sorted({r[0] for r in result.errors}) == [row + 2 for row in bad_rows]
    assert Driver.objects.count() == 30_000 - 17
    report = importer.report_xlsx(result.rows, only_errors=True)
    table = importer.read_table(report, "report.xlsx")
    assert len(table) == 18


@pytest.mark.django_db
def test_other_organisations_files_are_not_taken_over(orgs):
    data = rosters.rows(2)
    run(rosters.to_xlsx(data), orgs["guoju"])
    result = run(rosters.to_xlsx(data), orgs["xiapu"])
    assert result.rejected == 2 and result.updated == 0


@pytest.mark.django_db
def test_unknown_employer_is_rejected_known_one_is_linked(orgs):
    company = Organisation(
        code="co", name="宁波顺达物流有限公司", kind="company", parent=orgs["xiapu"]
    )
    company.save()
    data = rosters.rows(2, employers=["宁波顺达物流有限公司", "不存在的公司"])
    result = run(rosters.to_xlsx(data), orgs["xiapu"])
    assert result.created == 1 and result.errors[0][2] == "所属企业"
    driver = Driver.objects.get()
    assert driver.employer == company
    assert driver.employment.get().employer == company


@pytest.mark.django_db(transaction=True)
def test_database_file_holds_no_clear_id_or_phone_numbers(orgs, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("reads the SQLite file")
    data = rosters.rows(50)
    run(rosters.to_xlsx(data), orgs["xiapu"])
    copy = tmp_path / "copy.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    raw = copy.read_bytes()
    assert len(raw) > 10_000
    for row in data:
        assert row[1].encode() not in raw
        assert row[2].encode() not in raw
    assert data[0][0].encode() in raw  # names are not protected: the search works on them


@pytest.mark.django_db
def test_command_line_import_dry_run_and_template(orgs, tmp_path, capsys):
    path = tmp_path / "r.xlsx"
    path.write_bytes(rosters.to_xlsx(rosters.rows(3, bad={0: "plate"})))
    call_command("import-drivers", str(path), "--dry-run", "--org", orgs["xiapu"].code)
    out = capsys.readouterr().out
    assert "row 2: 车牌号" in out and "2 would be created" in out
    assert Driver.objects.count() == 0
    call_command("import-drivers", str(path), "--org", orgs["xiapu"].code)
    assert Driver.objects.count() == 2
    template = tmp_path / "t.xlsx"
    call_command("import-drivers", str(template), "--template")
    header = importer.read_table(template.read_bytes(), "t.xlsx")[0]
    assert importer.map_headers(header)["phone"] == 2


@pytest.mark.django_db
def test_import_page_uploads_and_shows_results(client_for, orgs):
    client = client_for("site_staff")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "roster.xlsx", rosters.to_xlsx(rosters.rows(4, bad={1: "check_digit"}))
    )
    response = client.post(
        "/console/drivers/import/", {"file": upload, "organisation": orgs["xiapu"].pk}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["job"].rejected_count == 1
    assert page.context["job"].results[1][:3] == [3, "rejected", "身份证号"]
    assert Driver.objects.count() == 3
    report = client.get(response["Location"] + "report.xlsx")
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.django_db
def test_import_page_refuses_a_file_that_is_not_a_roster(client_for, orgs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("site_staff")
    upload = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    response = client.post(
        "/console/drivers/import/", {"file": upload, "organisation": orgs["xiapu"].pk}
    )
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert Driver.objects.count() == 0


def test_importer_hash_equals_the_platform_lookup_hash(settings):
    from driverhome.core import pii

    hasher = importer._hasher()
    for value, kind in (
        ("330206199001011237", "id"),
        (" 13912345678", "phone"),
        ("11010519491231002x", "id"),
    ):
        assert hasher(value, kind=kind) == pii.lookup_hash(value, kind=kind)


def test_fast_encryptor_makes_standard_fernet_tokens(settings):
    from driverhome.core import pii

    encrypt = importer.fernet_encryptor()
    for value in ("330206199001011237", "13912345678", "x" * 16, "张伟"):
        token = encrypt(value)
        assert token != encrypt(value)  # a fresh IV each time
        assert pii.decrypt(token) == value
    assert encrypt("") == ""
