"""The ``driverhome`` console script: every management command, from anywhere.

``driverhome migrate``, ``driverhome demo``, ``driverhome token alice`` ... are
Django management commands run with this project's settings, so nobody needs to
know where ``manage.py`` lives.
"""

import os
import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["version"]):
        from driverhome import __version__

        print(__version__)  # the platform's version, not Django's
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "driverhome.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
