"""Gunicorn settings (``deploy/gunicorn.conf.py`` and ``driverhome serve`` use these)."""

import multiprocessing
import os
import sys

bind = os.environ.get("DRIVERHOME_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("DRIVERHOME_THREADS", "2"))
worker_class = "gthread"
# A worker's threads share one interpreter lock, which Python hands over every 5 ms by
# default. A thread holding the database's write lock (SQLite: one writer at a time) then
# waits up to that long for a sibling parsing the next request, and every other writer waits
# behind it: under load, intake fell into runs at two thirds of its rate. Handing the lock
# over every 0.5 ms keeps the write lock held for the writes alone (bench: 337-386 intakes/s
# against 225-367). Forked workers inherit the setting.
sys.setswitchinterval(float(os.environ.get("DRIVERHOME_SWITCH_INTERVAL", "0.0005")))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
access_log_format = (
    '{"remote":"%(h)s","request":"%(r)s","status":%(s)s,"bytes":%(b)s,"ms":%(M)s,"agent":"%(a)s"}'
)
forwarded_allow_ips = os.environ.get("DRIVERHOME_FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "driverhome.config.wsgi:application"
