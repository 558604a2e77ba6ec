"""Live-server fixtures: a real Odoo on a free local port against the test database.

`make test` installs our modules into the throwaway database named by
BILLBYTE_TEST_DB, then runs these tests; the server is stopped afterwards,
also when a test fails.
"""

import os
import signal
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


def server_children(pid):
    """Process ids whose parent is `pid` (an Odoo master's workers)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


def wait_until_serving(url, proc, server_log, timeout=120):
    """Wait until the server answers /web/health (Odoo exiting fails at once)."""
    deadline = time.time() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"Odoo exited early: {server_log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=5):
                return
        except OSError:
            if time.time() > deadline:
                raise RuntimeError(f"Odoo did not answer within {timeout} s") from None
            time.sleep(0.5)


def start_server(database, server_log, *extra, env=None):
    """A live Odoo started the way `make run` starts it (prefork workers as in
    odoo.conf, scripts/odoo-bin, a websocket port of its own), on free ports,
    without cron processes. Its own process group, so that stopping it stops
    its workers too."""
    port = _free_port()
    proc = subprocess.Popen(
        billbyte.server_cmd(
            database,
            port,
            "--log-level=warn",
            "--max-cron-threads=0",
            f"--logfile={server_log}",
            *extra,
            gevent_port=_free_port(),
        ),
        env=dict(billbyte.server_env(), **(env or {})),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc, f"http://127.0.0.1:{port}"


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    try:
        # Workers or the websocket process left behind by a failed stop.
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def odoo_server(database, api_key, tmp_path_factory):
    server_log = tmp_path_factory.mktemp("odoo") / "server.log"
    proc, url = start_server(database, server_log)
    try:
        wait_until_serving(url, proc, server_log)
        yield {
            "url": url,
            "db": database,
            "login": "admin",
            "api_key": api_key,
            "proc": proc,
            "log": server_log,
        }
    finally:
        stop_server(proc)
