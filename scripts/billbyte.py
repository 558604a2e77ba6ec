#!/usr/bin/env python3
"""BillByte's entry point behind the Makefile: run, test and benchmarks.

Called by the Makefile with the project's virtualenv, after scripts/setup.sh
made sure that Odoo's source, the venv and PostgreSQL are there.
"""

import argparse
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"
OUR_MODULES = ["billbyte_catalog", "billbyte_usage", "billbyte_budget", "billbyte_payment"]
CACHE = Path(os.environ.get("BILLBYTE_CACHE", Path.home() / ".cache" / "billbyte"))
DATA_DIR = CACHE / "data"
ODOO_SRC = Path(os.environ["ODOO_SRC"]) if os.environ.get("ODOO_SRC") else None

RESULT_RE = re.compile(r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests")


def log(msg):
    print(f"billbyte: {msg}", file=sys.stderr, flush=True)


def manifest_depends(module):
    manifest = (ADDONS / module / "__manifest__.py").read_text()
    import ast

    return ast.literal_eval(manifest)["depends"]


def dependency_modules():
    """Modules our modules depend on that are not ours: the template database's content."""
    deps = set()
    for module in OUR_MODULES:
        deps.update(d for d in manifest_depends(module) if d not in OUR_MODULES)
    return sorted(deps)


def odoo_cmd(database, *extra, subcommand=None):
    addons_path = ",".join([str(ODOO_SRC / "odoo" / "addons"), str(ADDONS)])
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        *([subcommand] if subcommand else []),
        "-c",
        str(ROOT / "odoo.conf"),
        f"--addons-path={addons_path}",
        f"--data-dir={DATA_DIR}",
        f"--db_host={os.environ.get('PGHOST', '')}",
        f"--db_port={os.environ.get('PGPORT', '5432')}",
        f"--db_user={os.environ.get('PGUSER', '')}",
    ]
    if database:
        cmd += ["-d", database, f"--db-filter=^{re.escape(database)}$"]
    return cmd + list(extra)


def psql(sql, database="postgres"):
    return subprocess.run(
        ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def db_exists(name):
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def drop_db(name):
    if db_exists(name):
        psql(f'DROP DATABASE "{name}" WITH (FORCE)')
    shutil.rmtree(DATA_DIR / "filestore" / name, ignore_errors=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def template_name():
    """Template database with our dependencies installed, keyed by what it holds."""
    key = hashlib.sha1()
    key.update(",".join(dependency_modules()).encode())
    key.update((ODOO_SRC / "odoo" / "release.py").read_bytes())
    key.update((ROOT / "requirements-oca.txt").read_bytes())
    return f"billbyte_tmpl_{key.hexdigest()[:10]}"


def ensure_template():
    name = template_name()
    if db_exists(name):
        return name
    building = f"{name}_building"
    drop_db(building)
    deps = dependency_modules()
    log(f"building template database {name} with {', '.join(deps)} (first run only)")
    subprocess.run(
        odoo_cmd(
            building,
            "-i",
            ",".join(deps),
            "--stop-after-init",
            "--log-level=warn",
            f"--http-port={free_port()}",
        ),
        check=True,
    )
    # Renamed only once complete, so an interrupted build is never used.
    psql(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    fs = DATA_DIR / "filestore"
    if (fs / building).exists():
        (fs / building).rename(fs / name)
    return name


def clone_db(template, name):
    drop_db(name)
    psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    fs = DATA_DIR / "filestore"
    if (fs / template).exists():
        shutil.copytree(fs / template, fs / name)


def run_odoo_tests(database, modules):
    tags = ",".join(f"/{m}" for m in modules)
    cmd = odoo_cmd(
        database,
        "-i",
        ",".join(modules),
        "--test-enable",
        f"--test-tags={tags}",
        "--stop-after-init",
        "--log-level=info",
        f"--http-port={free_port()}",
    )
    log(f"installing {', '.join(modules)} into {database} and running their tests")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    failed = errors = total = 0
    seen_result = False
    for line in proc.stdout:
        sys.stdout.write(line)
        match = RESULT_RE.search(line)
        if match and "when loading database" in line:
            failed, errors, total = map(int, match.groups())
            seen_result = True
    rc = proc.wait()
    if rc and not (failed or errors):
        # Odoo stopped before reporting (an install error): count it as a failure.
        errors += 1
    if not seen_result and not rc:
        log("Odoo reported no test result")
    return total - failed - errors if total >= failed + errors else 0, failed + errors


def run_pytest(database, paths):
    junit = CACHE / f"pytest-junit-{database}.xml"
    env = dict(os.environ, BILLBYTE_TEST_DB=database)
    rc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", *paths],
        cwd=ROOT,
        env=env,
    ).returncode
    passed = failed = 0
    if junit.exists():
        for suite in ET.parse(junit).getroot().iter("testsuite"):
            tests = int(suite.get("tests", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            passed += tests - bad - skipped
            failed += bad
    if rc not in (0, 5) and not failed:
        failed += 1
    return passed, failed


def cmd_test(args):
    database = args.database
    template = ensure_template()
    clone_db(template, database)
    modules = args.modules.split(",") if args.modules else OUR_MODULES
    passed, failed = run_odoo_tests(database, modules)
    if not args.modules:
        p2, f2 = run_pytest(database, [str(ROOT / "tests")])
        passed += p2
        failed += f2
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


def addons_fingerprint():
    """A hash of our addons' files: when it changes, `make run` updates the modules."""
    digest = hashlib.sha1()
    for path in sorted(ADDONS.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ADDONS)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cmd_run(args):
    database = args.database
    stamp = CACHE / f"run-{database}.addons-hash"
    fingerprint = addons_fingerprint()
    if not db_exists(database):
        template = ensure_template()
        clone_db(template, database)
        log(f"installing {', '.join(OUR_MODULES)} with demo data into {database}")
        subprocess.run(
            odoo_cmd(
                database,
                "-i",
                ",".join(OUR_MODULES),
                "--stop-after-init",
                f"--http-port={free_port()}",
            ),
            check=True,
        )
        stamp.write_text(fingerprint)
    elif not stamp.exists() or stamp.read_text() != fingerprint:
        # The addons changed since this database last saw them: update the modules.
        log(f"updating {', '.join(OUR_MODULES)} in {database} (the addons changed)")
        subprocess.run(
            odoo_cmd(
                database,
                "-u",
                ",".join(OUR_MODULES),
                "--stop-after-init",
                f"--http-port={free_port()}",
            ),
            check=True,
        )
        stamp.write_text(fingerprint)
    log(f"Odoo on http://localhost:{args.port} (database {database}, login admin / admin)")
    proc = subprocess.Popen(odoo_cmd(database, f"--http-port={args.port}"))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        return proc.wait()


def main():
    parser = argparse.ArgumentParser(prog="billbyte")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="create the database if needed and start Odoo")
    run.add_argument("--database", default=os.environ.get("BILLBYTE_DB", "billbyte"))
    run.add_argument("--port", type=int, default=int(os.environ.get("BILLBYTE_PORT", 8069)))
    run.set_defaults(func=cmd_run)
    test = sub.add_parser("test", help="fresh database, install, run every test")
    test.add_argument("--database", default=os.environ.get("BILLBYTE_TEST_DB", "billbyte_test"))
    test.add_argument("--modules", default=os.environ.get("MODULES", ""))
    test.set_defaults(func=cmd_test)
    args = parser.parse_args()
    try:
        sys.exit(args.func(args))
    except subprocess.CalledProcessError as exc:
        log(f"command failed ({exc.returncode}): {' '.join(map(str, exc.cmd[:6]))} ...")
        sys.exit(exc.returncode or 1)


if __name__ == "__main__":
    main()
