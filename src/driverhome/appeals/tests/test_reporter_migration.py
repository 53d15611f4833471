"""``0008_reporter_encrypted`` encrypts the rows it finds and its reverse gives them back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from driverhome.core import pii

BEFORE = ("appeals", "0007_transition_append_only")
AFTER = ("appeals", "0008_reporter_encrypted")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def columns(pk) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporter_name, reporter_phone, reporter_email FROM appeals_appeal WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


def _latest():
    """Every app back at its newest migration, whatever the test left behind."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_rows_are_encrypted_and_the_reverse_decrypts_them():
    try:
        _encrypt_and_decrypt()
    finally:
        _latest()


def _encrypt_and_decrypt():
    old = migrate(BEFORE)
    organisation = old.get_model("accounts", "Organisation").objects.create(
        code="m-district", name="北仑区", kind="district"
    )
    # A transactional test may run after another one emptied the seeded catalogue.
    Category = old.get_model("appeals", "Category")
    parent, _ = Category.objects.get_or_create(code="m-top", defaults={"name": "劳动保障"})
    category, _ = Category.objects.get_or_create(
        code="m-leaf", defaults={"name": "欠薪", "parent": parent}
    )
    Appeal = old.get_model("appeals", "Appeal")
    common = {"appeal_type": "help", "category": category, "channel": "phone"}
    caller = Appeal.objects.create(
        tracking_no="BL20260101-0001",
        description="x",
        organisation=organisation,
        reporter_name="司马芷若",
        reporter_phone="13811172233",
        reporter_email="zhiruo@example.cn",
        **common,
    )
    nobody = Appeal.objects.create(
        tracking_no="BL20260101-0002", description="y", organisation=organisation, **common
    )
    migrate(AFTER)
    name, phone, email = columns(caller.pk)
    assert "芷若" not in name and "13811172233" not in phone and "zhiruo" not in email
    assert [pii.decrypt(v) for v in (name, phone, email)] == [
        "司马芷若",
        "13811172233",
        "zhiruo@example.cn",
    ]
    assert columns(nobody.pk) == ("", "", "")
    new = migrate(AFTER)  # the state after: the hash is there
    row = new.get_model("appeals", "Appeal").objects.get(pk=caller.pk)
    assert row.reporter_phone_hash == pii.lookup_hash("13811172233", kind="phone")

    migrate(BEFORE)
    assert columns(caller.pk) == ("司马芷若", "13811172233", "zhiruo@example.cn")
    assert columns(nobody.pk) == ("", "", "")
