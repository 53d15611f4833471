"""``driverhome serve``: the web server (gunicorn) and the background-job consumer together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with gunicorn and run background jobs beside it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind", default=None, help="host:port (default 127.0.0.1:$PORT or 8000)"
        )
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument("--no-jobs", action="store_true", help="Do not start the job consumer.")

    def handle(self, *args, bind=None, workers=None, no_jobs=False, **options):
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "driverhome.config.settings")
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:driverhome.config.gunicorn"]
        if bind:
            gunicorn += ["--bind", bind]
        if workers:
            gunicorn += ["--workers", str(workers)]
        children = []
        if not no_jobs:
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "driverhome", "run_huey", "--quiet"], env=env
                )
            )
        web = subprocess.Popen(gunicorn, env=env)
        children.append(web)

        def stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            web.wait()
        finally:
            stop(None, None)
            for child in children:
                child.wait(timeout=30)
