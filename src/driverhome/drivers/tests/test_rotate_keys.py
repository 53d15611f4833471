import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from driverhome.drivers.models import Driver

from .factories import make_driver


def _stored(driver) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM drivers_driver WHERE id = %s", [driver.pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_rotate_keys_re_encrypts_under_the_newest_key(orgs, settings, capsys):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    driver = make_driver(orgs["xiapu"])
    number = driver.id_number
    before = _stored(driver)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate-keys")
    assert "drivers_driver: 1 rows re-encrypted" in capsys.readouterr().out
    assert _stored(driver) != before
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone: the values still read
    assert Driver.objects.get(pk=driver.pk).id_number == number
