"""Gunicorn settings (``deploy/gunicorn.conf.py`` and ``driverhome serve`` use these)."""

import multiprocessing
import os

bind = os.environ.get("DRIVERHOME_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("DRIVERHOME_THREADS", "2"))
worker_class = "gthread"
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
