"""``driverhome open311-key NAME --org CODE``: issue an Open311 ``api_key``; ``--revoke PREFIX`` revokes one."""

from django.core.management.base import BaseCommand, CommandError

from driverhome.accounts.models import Organisation
from driverhome.appeals import actions
from driverhome.appeals.models import Open311Key


class Command(BaseCommand):
    help = "Issue (or revoke, or list) an api_key for an Open311 client system."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the client system, e.g. 12345-hotline")
        parser.add_argument(
            "--org", default="beilun", help="organisation code its requests are filed under"
        )
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the key with this prefix")
        parser.add_argument("--list", action="store_true", help="list the keys")

    def handle(self, *args, name=None, org="beilun", revoke=None, list=False, **options):
        if list:
            for key in Open311Key.objects.order_by("created_at"):
                state = "revoked" if key.revoked_at else "active"
                self.stdout.write(f"{key.prefix}  {state:8} {key.organisation.code:20} {key.name}")
            return
        if revoke:
            if not actions.revoke_open311_key(revoke):
                raise CommandError(f"No active key with prefix {revoke!r}.")
            self.stdout.write(f"Revoked {revoke}.")
            return
        if not name:
            raise CommandError("Give the client system's name (or --revoke PREFIX, or --list).")
        try:
            organisation = Organisation.objects.get(code=org)
        except Organisation.DoesNotExist:
            raise CommandError(f"No organisation with code {org!r}.") from None
        key, secret = actions.issue_open311_key(name, organisation)
        self.stdout.write(secret)
        self.stderr.write(f"api_key for {name} (prefix {key.prefix}); shown once, keep it safe.")
