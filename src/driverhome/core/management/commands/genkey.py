import secrets

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print new keys for production: DRIVERHOME_SECRET_KEY, DRIVERHOME_FIELD_KEYS, DRIVERHOME_LOOKUP_KEY."

    requires_system_checks = []

    def handle(self, *args, **options):
        self.stdout.write(f"DRIVERHOME_SECRET_KEY={secrets.token_urlsafe(50)}")
        self.stdout.write(f"DRIVERHOME_FIELD_KEYS={Fernet.generate_key().decode()}")
        self.stdout.write(f"DRIVERHOME_LOOKUP_KEY={secrets.token_urlsafe(32)}")
