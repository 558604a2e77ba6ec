"""The set-up's answers to bad input: one clear line, non-zero exit, nothing half-made."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(env_changes, tmp_path):
    env = dict(os.environ, **env_changes)
    return subprocess.run(
        ["bash", "-c", "source scripts/setup.sh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_odoo_src_without_odoo_is_refused(tmp_path):
    result = _setup({"ODOO_SRC": str(tmp_path)}, tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(tmp_path) in lines[0]
    assert "found: no odoo/release.py" in lines[0]
    assert "ODOO_SRC" in lines[0]


def test_odoo_src_of_another_version_names_it(tmp_path):
    (tmp_path / "odoo").mkdir()
    (tmp_path / "odoo" / "release.py").write_text("serie = series = '17.0'\n")
    result = _setup({"ODOO_SRC": str(tmp_path)}, tmp_path)
    assert result.returncode != 0
    assert "is not an Odoo 18.0 source folder (found: 17.0)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_postgres_that_cannot_be_installed(tmp_path):
    pgdata = ROOT / ".pgdata"
    existed = pgdata.exists()
    result = _setup(
        {
            "PGHOST": "127.0.0.1",
            "PGPORT": "1",
            "BILLBYTE_NO_INSTALL": "1",
            "BILLBYTE_PG_BINDIR": str(tmp_path / "no-postgres"),
        },
        tmp_path,
    )
    assert result.returncode != 0
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "PostgreSQL is unreachable and cannot be installed here; start one and set "
            "PGHOST/PGPORT (or db_host/db_port in odoo.conf)."
        )
    )
    assert pgdata.exists() == existed, "a half-made cluster was left behind"


def test_interrupted_test_run_starts_clean_next_time(database):
    """Kill a test run midway; the next one recreates its throwaway database."""
    scratch = f"{database}_interrupted"
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "billbyte.py"),
        "test",
        "--database",
        scratch,
        "--modules",
        "billbyte_budget",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    # Wait until Odoo is installing the module, then interrupt the whole run.
    for line in proc.stdout:
        if "billbyte_budget" in line and "odoo." in line:
            break
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    try:
        assert rerun.returncode == 0, rerun.stdout[-3000:]
        assert rerun.stdout.strip().splitlines()[-1].endswith("passed, 0 failed")
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", scratch], check=False)
