"""The ``driverhome`` console script: every management command, from anywhere.

``driverhome migrate``, ``driverhome demo``, ``driverhome token alice`` ... are
Django management commands run with this project's settings, so nobody needs to
know where ``manage.py`` lives.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "driverhome.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
