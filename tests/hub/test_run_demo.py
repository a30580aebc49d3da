"""The demo's supervisor really starts the web server and a Celery worker with beat."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests import factories
from tests.processes import ROOT, free_port, this_database_url, wait_for
from tests.referrals.api_payloads import referral_payload


def post_referral(port: int, token: str) -> str:
    """POST a victim with no needs to the demo's API; the case reference it answers."""
    body = referral_payload(ivna__needs_support=False)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/referrals/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        assert answer.status == 201
        return json.loads(answer.read())["case_reference"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_demo_serves_the_sign_in_page_and_runs_a_worker_with_beat(tmp_path):
    url = this_database_url()
    force = factories.ForceFactory(hub_email="hub@example.org")
    _, token = factories.api_client_with_token(force)
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "DEBUG": "1",
        "HUB_DEMO": "1",
        "DATABASE_URL": url,
        "HUB_VAR_DIR": str(tmp_path),
    }
    log = tmp_path / "demo.log"
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "run_demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        body = ""
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in/", timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert "Sign in to the Victims" in body
        # the worker, with beat, comes up on the file-system broker
        deadline = time.time() + 60
        while time.time() < deadline and "ready." not in log.read_text():
            time.sleep(0.5)
        # and a referral of a victim with no needs, posted to the demo, becomes an email
        # within a minute: intake plans it, beat's sweep rings, the worker sends
        reference = post_referral(port, token)
        mail = tmp_path / "mail"
        wait_for(
            lambda: any(reference in p.read_text() for p in mail.glob("*.log")),
            timeout=60,
            every=1,
            what="the information email in var/mail",
        )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    output = log.read_text()
    assert "ready." in output
    assert "Victims' Hub demo is running." in output
    assert "victims-hub-demo" in output
    assert "JBSWY3DPEHPK3PXP" in output
    assert "beat: Starting" in output
