"""The platform's settings plus django-import-export and django-helpdesk (bench environment only).

The peers share the platform's database, so each benchmark compares ours and the
baseline on the same engine, the same machine, in the same run.
"""

import os

os.environ.setdefault("DRIVERHOME_RATE_LIMITS", "0")  # measure the work, not the limiter

from driverhome.config.settings import *  # noqa: E402,F403
from driverhome.config.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "django.contrib.sites",
    "bootstrap5form",
    "rest_framework",
    "import_export",
    "helpdesk",
]
SITE_ID = 1
ROOT_URLCONF = "bench.benchsite.urls"
DEBUG = False

# django-helpdesk: anonymous public submission, no e-mail, no attachments.
HELPDESK_PUBLIC_ENABLED = True
HELPDESK_SUBMIT_A_TICKET_PUBLIC = True
HELPDESK_REDIRECT_TO_LOGIN_BY_DEFAULT = False
HELPDESK_ENABLE_ATTACHMENTS = False
HELPDESK_USE_CDN = False
HELPDESK_TEAMS_MODE_ENABLED = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
