"""Settings for the test suite: the same module, with ``DRIVERHOME_ENV=test``.

Test mode runs background jobs immediately, uses an in-process cache and turns
rate limits off unless a test turns them on.
"""

import os

os.environ.setdefault("DRIVERHOME_ENV", "test")
os.environ.setdefault("DRIVERHOME_ENV_FILE", "")  # a developer's .env never reaches the tests
os.environ.setdefault("DRIVERHOME_DATA_DIR", os.path.join(os.getcwd(), "var", "test"))

from .settings import *  # noqa: E402,F403

# The delivery-report callback answers only to its token (the permission matrix calls it).
SMS_REPORT_TOKEN = "test-report-token"

# WeChat's server URL answers only signed calls (the permission matrix calls it unsigned).
WECHAT = {**WECHAT, "token": "test-wechat-token"}  # noqa: F405
