from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "driverhome.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import append_only, checks  # noqa: F401  (checks registers the system checks)

        connection_created.connect(
            append_only.register_sqlite_function, dispatch_uid="driverhome.append_only"
        )
