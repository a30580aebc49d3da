"""Real processes for the tests that need them: a Celery worker, a throwaway Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def this_database_url() -> str:
    """The URL of the database this test runs on, for a process of its own."""
    db = connection.settings_dict
    if (db["HOST"] or "").startswith("/"):
        return f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}&port={db['PORT']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(check, *, timeout: float, every: float = 0.1, what: str = "the condition"):
    """Poll ``check`` until it returns something true; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """A redis-server of the test's own on a free port, with no persistence: a restart
    loses every queued message, the worst case for a broker."""

    def __init__(self, work_dir: Path):
        self.port = free_port()
        self.work_dir = work_dir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.work_dir)]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_for(answers, timeout=10, what="redis-server to start")
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()


class CeleryWorker:
    """``celery -A hub worker`` in its own process group, on the given broker and on the
    test's database; ``kill()`` is a SIGKILL of the whole group, as a crash would be."""

    def __init__(self, *, broker_url: str, var_dir: Path, env: dict[str, str] | None = None):
        self.broker_url, self.var_dir = broker_url, var_dir
        self.extra_env = env or {}
        self.log = var_dir / f"worker-{time.monotonic_ns()}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> CeleryWorker:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", str(self.var_dir)),
            "DEBUG": "0",
            "SECRET_KEY": "worker-under-test-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": this_database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "HUB_VAR_DIR": str(self.var_dir),
            **self.extra_env,
        }
        command = [sys.executable, "-m", "celery", "-A", "hub", "worker", "--loglevel=INFO"]
        command += ["--pool=prefork", "--concurrency=1", "--without-gossip", "--without-mingle"]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: "ready." in self.output(), timeout=60, what="the worker to be ready")
        return self

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> CeleryWorker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
