"""Settings from the environment: production needs three variables and is safe by default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}  # noqa: S108
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-0123456789abcdef",
    "ALLOWED_HOSTS": "hub.example.police.uk",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub"),
}


def test_production_settings_pass_the_deploy_check_with_only_three_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_without_a_secret_key_the_hub_refuses_to_start():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_demo_mode_is_refused_outside_debug():
    result = manage("check", HUB_DEMO="1", **PRODUCTION)
    assert result.returncode != 0
    assert "HUB_DEMO=1 needs DEBUG=1" in result.stderr


@pytest.mark.parametrize("url", ["sqlite:///var/hub.sqlite3", "mysql://root@127.0.0.1/hub"])
def test_databases_other_than_postgresql_are_refused(url):
    result = manage("check", **{**PRODUCTION, "DATABASE_URL": url})
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_time_zone_is_london_and_timestamps_are_aware(settings):
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.USE_TZ is True
    assert settings.DEBUG is False
