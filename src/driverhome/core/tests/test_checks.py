"""``driverhome check --deploy``: each unsafe setting or missing piece is named with its fix."""

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

pytestmark = pytest.mark.django_db


def ids(**overrides):
    with override_settings(**overrides):
        return {message.id: message for message in run_checks(include_deployment_checks=True)}


def test_debug_and_keys_left_at_their_development_defaults_are_errors():
    found = ids(DEBUG=True, SECRET_KEY_FROM_ENV=False, FIELD_KEYS_FROM_ENV=False)
    assert {"driverhome.E001", "driverhome.E002", "driverhome.E003"} <= set(found)
    assert "driverhome genkey" in found["driverhome.E003"].hint


def test_a_placeholder_secret_key_is_an_error():
    found = ids(SECRET_KEY="change-me", SECRET_KEY_FROM_ENV=True)
    assert "driverhome.E001" in found


def test_production_refuses_to_start_with_debug_on():
    with override_settings(PRODUCTION=True, DEBUG=True):
        errors = [e.id for e in run_checks()]  # without --deploy: every command runs these
    assert "driverhome.E002" in errors


def test_sms_on_the_log_backend_is_reported_in_production_only():
    log = "driverhome.notifications.backends.LogBackend"
    assert "driverhome.W012" in ids(PRODUCTION=True, SMS_BACKEND=log)
    assert "driverhome.W012" not in ids(PRODUCTION=False, SMS_BACKEND=log)


def test_a_migrated_database_has_every_catalogue_without_the_demo():
    from driverhome.appeals.models import Category, TimeLimit
    from driverhome.services.models import LifecycleNode, ServiceItem
    from driverhome.stations.models import Facility, GradeThreshold, RubricCriterion

    assert "driverhome.W011" not in ids()
    assert LifecycleNode.objects.count() == 14
    assert ServiceItem.objects.count() == 80
    assert Category.objects.exists() and TimeLimit.objects.exists()
    assert Facility.objects.exists() and RubricCriterion.objects.exists()
    assert GradeThreshold.objects.count() == 5


def test_an_empty_catalogue_is_reported():
    from driverhome.services.models import ServiceItem

    ServiceItem.objects.all().delete()
    found = ids()
    assert "driverhome.W011" in found
    assert "service items" in found["driverhome.W011"].msg


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_an_unreachable_replica_is_an_error():
    replica = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "driverhome",
        "USER": "nobody",
        "HOST": "127.0.0.1",
        "PORT": "1",  # nothing listens there
    }
    found = ids(DATABASES={**settings.DATABASES, "replica": replica})
    assert "driverhome.E010" in found
    assert "DATABASE_REPLICA_URL" in found["driverhome.E010"].hint


def test_the_check_command_fails_on_errors_with_deploy():
    with override_settings(DEBUG=True), pytest.raises(SystemCheckError):
        call_command("check", "--deploy", "--fail-level", "ERROR")
