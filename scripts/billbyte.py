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
ODOO_BIN = ROOT / "scripts" / "odoo-bin"
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


def odoo_cmd(database, *extra, subcommand=None, server=False):
    """Odoo's command line with our configuration, addons and database.

    Started through scripts/odoo-bin (not `python -m odoo`), so that Odoo's own
    re-executions (SIGHUP, worker limits, module updates, the websocket process
    of prefork mode) run the same script again. One-shot commands (installs,
    test runs, the shell) run threaded (`--workers=0`): Odoo's browser tests
    need the threaded HTTP server. `server=True` keeps odoo.conf's workers.
    """
    addons_path = ",".join([str(ODOO_SRC / "odoo" / "addons"), str(ADDONS)])
    cmd = [
        sys.executable,
        str(ODOO_BIN),
        *([subcommand] if subcommand else []),
        "-c",
        str(ROOT / "odoo.conf"),
        f"--addons-path={addons_path}",
        f"--data-dir={DATA_DIR}",
        f"--db_host={os.environ.get('PGHOST', '')}",
        f"--db_port={os.environ.get('PGPORT', '5432')}",
        f"--db_user={os.environ.get('PGUSER', '')}",
    ]
    if not server:
        cmd.append("--workers=0")
    if database:
        cmd += ["-d", database, f"--db-filter=^{re.escape(database)}$"]
    return cmd + list(extra)


def server_cmd(database, port, *extra, gevent_port=None):
    """The long-running server as `make run` starts it (the live-server tests too).

    Prefork workers as odoo.conf says (BILLBYTE_WORKERS overrides); the
    websocket (gevent) process listens on `gevent_port`, by default 8072 next to
    8069 and the HTTP port + 3 otherwise, so that servers on other ports do not
    collide.
    """
    if gevent_port is None:
        gevent_port = 8072 if port == 8069 else port + 3
    options = [f"--http-port={port}", f"--gevent-port={gevent_port}"]
    workers = os.environ.get("BILLBYTE_WORKERS", "").strip()
    if workers:
        options.append(f"--workers={int(workers)}")
    return odoo_cmd(database, *options, *extra, server=True)


def server_env():
    """Environment of the long-running server: in threaded mode (workers = 0),
    Odoo takes no more concurrent requests than half its connection pool
    (ODOO_MAX_HTTP_THREADS, any non-number means "compute it"); the others
    wait in the listen queue instead of failing on a full pool."""
    return dict(os.environ, ODOO_MAX_HTTP_THREADS=os.environ.get("ODOO_MAX_HTTP_THREADS", "auto"))


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
    """A hash of our addons' files (tests aside): when it changes, the databases
    of `make run` and `make pytest` get their modules updated."""
    digest = hashlib.sha1()
    for path in sorted(ADDONS.rglob("*")):
        if path.is_file() and not {"__pycache__", "tests"} & set(path.relative_to(ADDONS).parts):
            digest.update(str(path.relative_to(ADDONS)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_installed(database):
    """A database with our modules (and their demo data) installed and up to date.

    Created from the template when missing; our modules updated when the addons
    changed since this database last saw them (a stamp file in the cache).
    """
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


def cmd_run(args):
    database = args.database
    ensure_installed(database)
    log(f"Odoo on http://localhost:{args.port} (database {database}, login admin / admin)")
    proc = subprocess.Popen(server_cmd(database, args.port), env=server_env())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        return proc.wait()


# ---------------------------------------------------------------- make test-odoo
# Odoo's own tests of the modules ours build on, run with ours installed.
ODOO_TESTED_MODULES = [
    "account",
    "account_edi_ubl_cii",
    "account_payment",
    "analytic",
    "payment",
    "payment_paypal",
    "portal",
    "product",
    "queue_job",
    "sale",
    "sale_management",
]
KNOWN_FAILURES = ROOT / "tests" / "odoo_known_failures.txt"
# "... ERROR db odoo.addons.account.tests.test_x: FAIL: TestX.test_y" (or ERROR:)
FAILURE_RE = re.compile(
    r" (?:ERROR|CRITICAL) \S+ odoo\.addons\.(?P<module>\w+)[\w.]*: (?:FAIL|ERROR): (?P<test>.+)$"
)
SKIP_RE = re.compile(r" INFO \S+ odoo\.addons\.\w+[\w.]*: skipped ")
ERROR_HOLDER_RE = re.compile(r"^(\w+) \(odoo\.addons\.[\w.]+\.(\w+)\)")


def test_id(module, description):
    """`module: Class.method` of a failure line's description (subtests and
    class set-up errors included)."""
    description = description.strip()
    if description.startswith("Subtest "):
        description = description[len("Subtest ") :]
    holder = ERROR_HOLDER_RE.match(description)
    if holder:  # "setUpClass (odoo.addons.m.tests.test_f.TestX)"
        return f"{module}: {holder.group(2)}.{holder.group(1)}"
    return f"{module}: {description.split()[0]}"


def read_known_failures():
    """tests/odoo_known_failures.txt: `module: Class.method  reason`, # comments."""
    known = {}
    for line in KNOWN_FAILURES.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            module, rest = line.split(":", 1)
            test, _, reason = rest.strip().partition(" ")
            known[f"{module.strip()}: {test}"] = reason.strip()
    return known


def run_odoo_suite(database, modules, log_path):
    """Run Odoo's tests of `modules` on an installed database (no install, no
    update: Odoo then runs the at_install tests of every loaded module, then the
    post_install ones). Returns total, failed ids, skipped, Odoo's exit code."""
    tags = ",".join(f"/{m}" for m in modules)
    cmd = odoo_cmd(
        database,
        "--test-enable",
        f"--test-tags={tags}",
        "--stop-after-init",
        "--log-level=info",
        f"--http-port={free_port()}",
    )
    total = skipped = 0
    failed = set()
    with open(log_path, "w") as full_log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            full_log.write(line)
            match = RESULT_RE.search(line)
            if match and "when loading database" in line:
                total = int(match.group(3))
            failure = FAILURE_RE.search(line)
            if failure:
                failed.add(test_id(failure.group("module"), failure.group("test")))
            if SKIP_RE.search(line):
                skipped += 1
            if failure or " CRITICAL " in line or "odoo.tests.stats" in line:
                sys.stdout.write(line)
                sys.stdout.flush()
        rc = proc.wait()
    return total, failed, skipped, rc


def cmd_test_odoo(args):
    """Odoo's own tests of the modules ours depend on, with ours installed."""
    database = args.database
    template = ensure_template()
    clone_db(template, database)
    if args.without_ours:
        log(f"{database}: Odoo's modules only, without ours (checking the known failures)")
    else:
        log(f"installing {', '.join(OUR_MODULES)} into {database}")
        subprocess.run(
            odoo_cmd(
                database,
                "-i",
                ",".join(OUR_MODULES),
                "--stop-after-init",
                "--log-level=warn",
                f"--http-port={free_port()}",
            ),
            check=True,
        )
    log_path = CACHE / f"test-odoo-{database}.log"
    log(f"running Odoo's tests of {', '.join(ODOO_TESTED_MODULES)} (full log: {log_path})")
    total, failed, skipped, rc = run_odoo_suite(database, ODOO_TESTED_MODULES, log_path)
    known = read_known_failures()
    unexpected = sorted(failed - set(known))
    known_failed = sorted(failed & set(known))
    known_passed = sorted(set(known) - failed)
    for test in known_failed:
        print(f"known failure: {test} ({known[test]})")
    for test in known_passed:
        print(f"known failure that did not fail: {test} (remove it from {KNOWN_FAILURES.name}?)")
    for test in unexpected:
        print(f"FAILED: {test}")
    problem = None
    if rc and not failed:
        problem = f"Odoo exited with {rc} before reporting a failed test (see {log_path})"
    elif not total:
        problem = f"Odoo reported no test result (see {log_path})"
    if problem:
        print(problem)
    passed = max(total - len(failed) - skipped, 0)
    print(
        f"test-odoo: {total} tests, {skipped} skipped, {len(known_failed)} known failures"
        f" ({KNOWN_FAILURES.relative_to(ROOT)}), {len(unexpected)} other failures"
    )
    print(f"{passed} passed, {len(failed)} failed", flush=True)
    if args.without_ours:
        # The check of the known-failures file: each of them fails without our addons.
        return 1 if known_passed or problem else 0
    return 1 if unexpected or problem else 0


# ---------------------------------------------------------------- make pytest
def cmd_pytest(args):
    """pytest-odoo on an installed database: one file or one test in seconds."""
    database = args.database
    ensure_installed(database)
    addons_path = ",".join([str(ODOO_SRC / "odoo" / "addons"), str(ADDONS)])
    extra = [
        f"data-dir={DATA_DIR}",
        f"db_host={os.environ.get('PGHOST', '')}",
        f"db_port={os.environ.get('PGPORT', '5432')}",
        f"db_user={os.environ.get('PGUSER', '')}",
        "workers=0",
        f"http-port={free_port()}",
    ]
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "odoo",
        "-p",
        "no:cacheprovider",
        f"--odoo-database={database}",
        f"--odoo-config={ROOT / 'odoo.conf'}",
        f"--odoo-addons-path={addons_path}",
        *(f"--odoo-extra={option}" for option in extra),
        *([a for a in args.pytest_args if a != "--"] or [str(ADDONS)]),
    ]
    return subprocess.run(cmd, cwd=ROOT).returncode


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
    test_db = os.environ.get("BILLBYTE_TEST_DB", "billbyte_test")
    test_odoo = sub.add_parser(
        "test-odoo", help="Odoo's own tests of the modules ours depend on, with ours installed"
    )
    test_odoo.add_argument("--database", default=f"{test_db}_odoo")
    test_odoo.add_argument(
        "--without-ours",
        action="store_true",
        default=bool(os.environ.get("WITHOUT_OURS")),
        help="without our modules: check that the known failures fail there too",
    )
    test_odoo.set_defaults(func=cmd_test_odoo)
    pytest_cmd = sub.add_parser(
        "pytest", help="pytest-odoo on an installed database (no reinstall)"
    )
    pytest_cmd.add_argument("--database", default=f"{test_db}_pytest")
    pytest_cmd.add_argument("pytest_args", nargs=argparse.REMAINDER)
    pytest_cmd.set_defaults(func=cmd_pytest)
    args = parser.parse_args()
    try:
        sys.exit(args.func(args))
    except subprocess.CalledProcessError as exc:
        log(f"command failed ({exc.returncode}): {' '.join(map(str, exc.cmd[:6]))} ...")
        sys.exit(exc.returncode or 1)


if __name__ == "__main__":
    main()
