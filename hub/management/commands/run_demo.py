"""Run the whole Hub for the demo: gunicorn for the web, one Celery worker with beat.

Used by ``make demo`` after migrating and seeding. It prints where to go and how to sign
in, then supervises the processes: Ctrl-C stops them all, and if one dies the others are
stopped too, so the demo never runs half-alive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub.demo import DEMO_API_TOKEN, DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS


class Command(BaseCommand):
    help = "Serve the demo: web (gunicorn), Celery worker and beat, until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, host, port, **options):
        if not settings.DEMO_MODE:
            raise CommandError("run_demo needs HUB_DEMO=1 (and DEBUG=1); use `make demo`.")
        bin_dir = os.path.dirname(sys.executable)
        for folder in ("broker", "broker-control"):
            (settings.VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
        commands = {
            "web": [
                os.path.join(bin_dir, "gunicorn"),
                "hub.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
            ],
            "worker": [
                os.path.join(bin_dir, "celery"),
                "-A",
                "hub",
                "worker",
                "--beat",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
        }
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        self._print_banner(host, port)
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"The {name} process stopped (exit {process.returncode}).")
                    exit_code = 1
                    stopping = True
            time.sleep(0.5)
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if exit_code:
            raise CommandError("The demo stopped because one of its processes died.")

    def _print_banner(self, host: str, port: int) -> None:
        lines = [
            "",
            "Victims' Hub demo is running.",
            f"  Open   http://{host}:{port}/",
            f"  Sign in as any of: {', '.join(DEMO_USERS)}",
            f"  Password for all:  {DEMO_PASSWORD}",
            f"  Second factor:     add the key {DEMO_TOTP_SECRET} to an authenticator app",
            f"                     (or: oathtool --totp -b {DEMO_TOTP_SECRET})",
            f"  Referral API:      http://{host}:{port}/api/docs/ (token {DEMO_API_TOKEN})",
            "  Stop with Ctrl-C.",
            "",
        ]
        self.stdout.write("\n".join(lines))
