"""Live-server fixtures: a real Odoo on a free local port against the test database.

`make test` installs our modules into the throwaway database named by
BILLBYTE_TEST_DB, then runs these tests; the server is stopped afterwards,
also when a test fails.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import billbyte  # noqa: E402


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def database():
    name = os.environ.get("BILLBYTE_TEST_DB")
    if not name:
        pytest.skip("BILLBYTE_TEST_DB is not set: run these through `make test`")
    return name


@pytest.fixture(scope="session")
def api_key(database):
    """An API key for admin, generated the way Odoo's own wizard does."""
    script = (
        "key = env['res.users.apikeys'].with_user(env.ref('base.user_admin'))"
        "._generate(None, 'live-server test', None)\n"
        "env.cr.commit()\n"
        "print('APIKEY=' + key)\n"
    )
    out = subprocess.run(
        billbyte.odoo_cmd(database, "--no-http", "--log-level=warn", subcommand="shell"),
        input=script,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    keys = [line.split("=", 1)[1] for line in out.splitlines() if line.startswith("APIKEY=")]
    assert keys, f"no API key generated: {out}"
    return keys[-1]


def start_server(database, server_log):
    """A real Odoo on a free local port, started as `make run` starts it; returns
    (process, url) once it answers."""
    port = _free_port()
    proc = subprocess.Popen(
        billbyte.odoo_cmd(
            database,
            f"--http-port={port}",
            "--log-level=warn",
            "--max-cron-threads=0",
            f"--logfile={server_log}",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"Odoo exited early: {server_log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=5):
                return proc, url
        except OSError:
            if time.time() > deadline:
                stop_server(proc)
                raise RuntimeError("Odoo did not answer within 120 s") from None
            time.sleep(0.5)


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def odoo_server(database, api_key, tmp_path_factory):
    proc, url = start_server(database, tmp_path_factory.mktemp("odoo") / "server.log")
    try:
        yield {"url": url, "db": database, "login": "admin", "api_key": api_key}
    finally:
        stop_server(proc)
