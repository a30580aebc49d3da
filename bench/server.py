"""The bench's own database (``hub_bench``), environment and gunicorn."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench import letters

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hub_bench"
BENCH_DATABASE = "hub_bench"

PLAIN_TABLE = """
CREATE TABLE bench_plain_referral (
    id bigserial PRIMARY KEY,
    source_reference text NOT NULL UNIQUE,
    crime_reference text NOT NULL,
    offence_code text NOT NULL,
    offence_description text NOT NULL DEFAULT '',
    occurred_on date,
    reported_on date NOT NULL,
    area text NOT NULL DEFAULT '',
    given_name text NOT NULL,
    family_name text NOT NULL,
    date_of_birth date,
    phone text NOT NULL DEFAULT '',
    email text NOT NULL DEFAULT '',
    postcode text NOT NULL DEFAULT '',
    needs_support boolean NOT NULL,
    domestic_abuse boolean NOT NULL,
    consent_basis text NOT NULL,
    safe_contact jsonb NOT NULL DEFAULT '{}',
    ivna jsonb NOT NULL DEFAULT '{}',
    received_at timestamptz NOT NULL DEFAULT now()
)
"""
PLAIN_COLUMNS = (
    "source_reference, crime_reference, offence_code, offence_description, occurred_on, "
    "reported_on, area, given_name, family_name, date_of_birth, phone, email, postcode, "
    "needs_support, domestic_abuse, consent_basis, safe_contact, ivna"
)


def bench_database_url() -> str:
    """``$DATABASE_URL``'s server, but always a database of the bench's own, never ``hub``.

    The bench drops and recreates this database, so a URL naming any database whose name
    does not contain "bench" keeps its server and credentials and gets ``hub_bench``.
    """
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    parts = urlsplit(url)
    if "bench" not in parts.path.strip("/"):
        parts = parts._replace(path="/" + BENCH_DATABASE)
    return urlunsplit(parts)


def database_name(url: str) -> str:
    return urlsplit(url).path.strip("/")


def _maintenance_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def recreate_database(url: str) -> None:
    name = database_name(url)
    if name == "hub" or "bench" not in name:
        raise SystemExit(f"Refusing to drop and recreate database {name!r}.")
    drop_database(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    name = database_name(url)
    if name == "hub" or "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}.")
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def environment(database_url: str, var_dir: Path) -> dict[str, str]:
    """Production-shaped settings for this process and gunicorn's: DEBUG off, a real key."""
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        HUB_DEMO="0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        # The bench's own files (static root, media, mail) away from the demo's var/.
        HUB_VAR_DIR=str(var_dir),
        # The letters' worker and sweep use a Redis database of the bench's own.
        CELERY_BROKER_URL=letters.broker_url(),
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``gunicorn hub.wsgi`` with N sync workers under ``bench.settings``, logging to files."""

    def __init__(self, *, env: dict, workers: int, log_dir: Path, port: int | None = None):
        self.env, self.workers, self.port = env, workers, port or free_port()
        self.log = log_dir / "gunicorn.log.tmp"
        self.access_log = log_dir / "gunicorn-access.log.tmp"
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "hub.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            "--worker-class=sync",
            f"--access-logfile={self.access_log}",
            "--error-logfile=-",
            # The default control socket is one per user: leave any other gunicorn's alone.
            "--no-control-socket",
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log_tail()}")
            try:
                status, _ = request(self.port, "GET", "/healthz/")
            except OSError:
                status = None
            if status == 200:
                return
            time.sleep(0.25)
        raise RuntimeError(f"gunicorn did not answer /healthz/ within {timeout} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def log_errors(self) -> dict:
        """Error and warning lines in the server log: counted, the distinct kinds (timestamps
        and pids dropped) with their counts, and the first traceback, for the report."""
        text = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        pattern = re.compile(
            r"Traceback|\b(ERROR|CRITICAL|WARNING)\b|WORKER TIMEOUT|Worker \(pid:\d+\) was sent"
        )
        stamp = re.compile(r"^\[?\d{4}-\d\d-\d\d[ T][\d:,.]+( [+-]\d{4}\])?\s*(\[\d+\]\s*)?")
        hits = [i for i, line in enumerate(text) if pattern.search(line)]
        kinds = Counter(stamp.sub("", text[i])[:300] for i in hits)
        first = next((i for i in hits if text[i].startswith("Traceback")), None)
        return {
            "file": str(self.log.relative_to(ROOT)),
            "error_lines": len(hits),
            "kinds": [{"count": n, "line": line} for line, n in kinds.most_common(10)],
            "first_traceback": "\n".join(text[first : first + 40]) if first is not None else "",
        }


def request(
    port: int, method: str, path: str, body: str | None = None, token: str | None = None
) -> tuple[int, bytes]:
    """One request as the TLS proxy would pass it on (``X-Forwarded-Proto: https``)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        return send(conn, method, path, body, token)
    finally:
        conn.close()


def send(conn, method: str, path: str, body: str | None, token: str | None) -> tuple[int, bytes]:
    headers = {"X-Forwarded-Proto": "https"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=body.encode() if body is not None else None, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()
