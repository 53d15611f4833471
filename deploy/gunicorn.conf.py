"""Gunicorn configuration for production: the platform's own settings, bound for a reverse proxy.

    gunicorn -c deploy/gunicorn.conf.py

Everything comes from ``driverhome.config.gunicorn`` (gthread workers, timeouts,
JSON access log, worker recycling); only what differs behind nginx is set here,
from the environment (see ``deploy/driverhome.env.example``).
"""

import os

from driverhome.config.gunicorn import *  # noqa: F403

# nginx on the same machine talks to this address; other app servers bind their private address.
bind = os.environ.get("DRIVERHOME_BIND", "127.0.0.1:8000")
# Addresses whose X-Forwarded-* headers gunicorn trusts: the proxy or load balancer.
forwarded_allow_ips = os.environ.get("DRIVERHOME_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the application before forking: less memory per worker, fast restarts.
preload_app = True
