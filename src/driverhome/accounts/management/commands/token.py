from django.core.management.base import BaseCommand, CommandError

from driverhome.accounts import actions
from driverhome.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = (
        "Print a new API token for a user (or revoke one with --revoke PREFIX, list with --list)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What the token is for.")
        parser.add_argument(
            "--scope", default="", help="Narrow scope, e.g. availability:<site code>."
        )
        parser.add_argument(
            "--revoke", metavar="PREFIX", help="Revoke the user's token with this prefix."
        )
        parser.add_argument("--list", action="store_true", help="List the user's tokens.")

    def handle(self, *args, username, name, scope, revoke, list, **options):
        try:
            user = User.objects.get(username__iexact=username)
        except User.DoesNotExist:
            raise CommandError(f"No user called {username!r}.") from None
        if list:
            for token in ApiToken.objects.filter(user=user).order_by("created_at"):
                state = "active" if token.is_active else "revoked"
                self.stdout.write(
                    f"dh_{token.prefix}…  {state:8} {token.scope or '-':30} {token.name}"
                )
            return
        if revoke:
            try:
                token = ApiToken.objects.get(
                    user=user, prefix=revoke.removeprefix("dh_").split("_")[0]
                )
            except ApiToken.DoesNotExist:
                raise CommandError(f"{username} has no token starting with {revoke!r}.") from None
            actions.revoke_token(token, actor=None)
            self.stdout.write(f"Revoked dh_{token.prefix}…")
            return
        _token, key = actions.issue_token(user, actor=None, name=name, scope=scope)
        self.stdout.write(key)
