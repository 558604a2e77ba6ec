#!/usr/bin/env python3
"""BillByte's entry point behind the Makefile: run, test and benchmarks.

Called by the Makefile with the project's virtualenv, after scripts/setup.sh
made sure that Odoo's source, the venv and PostgreSQL are there.
"""

import argparse
import datetime
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"
OUR_MODULES = [
    "billbyte_catalog",
    "billbyte_usage",
    "billbyte_billing",
    "billbyte_budget",
    "billbyte_payment",
    "billbyte_collection",
    "payment_perfect_money",
    "billbyte_api",
]
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
    "account_credit_control",
    "account_financial_risk",
    "account_payment",
    "analytic",
    "payment",
    "payment_paypal",
    "payment_stripe",
    "portal",
    "product",
    "queue_job",
    "sale",
    "sale_financial_risk",
    "sale_management",
]
KNOWN_FAILURES = ROOT / "tests" / "odoo_known_failures.txt"
DURATIONS = ROOT / "tests" / "odoo_test_durations.txt"
DURATIONS_HEADER = """\
# Seconds per test file of Odoo's tests run by make test-odoo, measured on the
# development machine (2 cores), only used to split them into parallel parts of
# about equal duration (TEST_ODOO_JOBS). Rewritten by
# `scripts/billbyte.py test-odoo --save-durations` (make test-odoo ARGS=--save-durations).
"""
# "... ERROR db odoo.addons.account.tests.test_x: FAIL: TestX.test_y" (or ERROR:)
FAILURE_RE = re.compile(
    r" (?:ERROR|CRITICAL) \S+ odoo\.addons\.(?P<module>\w+)[\w.]*: (?:FAIL|ERROR): (?P<test>.+)$"
)
SKIP_RE = re.compile(r" INFO \S+ odoo\.addons\.\w+[\w.]*: skipped (?!Subtest )")
# Class set-up errors are logged by odoo.tests.suite, naming the class:
# "... ERROR db odoo.tests.suite: ERROR: setUpClass (odoo.addons.m.tests.test_f.TestX)"
SUITE_FAILURE_RE = re.compile(
    r" (?:ERROR|CRITICAL) \S+ odoo\.tests\.\w+: (?:FAIL|ERROR): "
    r"(?P<test>\w+ \(odoo\.addons\.(?P<module>\w+)\.[\w.]+\))"
)
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


def split_test_tags(modules, jobs):
    """`--test-tags` of `jobs` parts of Odoo's tests of `modules`, of about equal
    duration (by tests/odoo_test_durations.txt, seconds per test file measured
    here). The other parts name test files; the last one takes every test of the
    modules but those, so a test file missing from the table still runs, once."""
    if jobs <= 1:
        return [",".join(f"/{m}" for m in modules)]
    files = []
    for line in DURATIONS.read_text().splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) == 2 and fields[0].split("/", 1)[0] in modules:
            files.append((float(fields[1]), fields[0]))
    loads = [0.0] * jobs
    parts = [[] for _ in range(jobs)]
    for seconds, path in sorted(files, reverse=True):
        k = min(range(jobs), key=loads.__getitem__)
        loads[k] += seconds
        parts[k].append(path)
    named = [path for part in parts[:-1] for path in part]
    return [",".join(f"/addons/{path}" for path in part) for part in parts[:-1]] + [
        ",".join([f"/{m}" for m in modules] + [f"-/addons/{path}" for path in named])
    ]


def durations_from_logs(log_paths):
    """Seconds per test file (`module/tests/test_x.py`), from Odoo's "Starting" lines."""
    starting = re.compile(
        r"^(\S+ \S+) \d+ INFO \S+ odoo\.addons\.(\w+)\.(tests\.[\w.]+): Starting \w+\.\w+"
    )
    seconds = {}
    for log_path in log_paths:
        previous = None
        for line in open(log_path, errors="replace"):
            match = starting.match(line)
            if not match:
                continue
            when = datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f")
            path = f"{match.group(2)}/{match.group(3).replace('.', '/')}.py"
            if previous:
                spent = (when - previous[0]).total_seconds()
                if 0 <= spent < 900:  # tests that freeze time fake their log's clock
                    seconds[previous[1]] = seconds.get(previous[1], 0.0) + spent
            previous = (when, path)
    return seconds


def run_odoo_suite(database, install, test_tags, log_path, lock):
    """Install `install` into a new database with Odoo's tests selected by
    `test_tags`: each module's at_install tests right after it is installed (as
    Odoo means them: they cannot run on a database that has later modules
    already), then the post_install tests with everything installed. Returns the
    number of tests, the failed ones, the skipped ones and Odoo's exit code."""
    drop_db(database)
    cmd = odoo_cmd(
        database,
        "-i",
        ",".join(install),
        "--test-enable",
        f"--test-tags={test_tags}",
        "--stop-after-init",
        "--log-level=info",
        f"--http-port={free_port()}",
    )
    total = skipped = reported = 0
    failed = set()
    with open(log_path, "w") as full_log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            full_log.write(line)
            match = RESULT_RE.search(line)
            if match and "when loading database" in line:
                total = int(match.group(3))
                reported = int(match.group(1)) + int(match.group(2))
            failure = FAILURE_RE.search(line) or SUITE_FAILURE_RE.search(line)
            if failure:
                failed.add(test_id(failure.group("module"), failure.group("test")))
            if SKIP_RE.search(line):
                skipped += 1
            if failure or " CRITICAL " in line or "odoo.tests.stats" in line:
                with lock:
                    sys.stdout.write(line)
                    sys.stdout.flush()
        rc = proc.wait()
    if reported > len(failed):
        # Odoo counted failures this parser could not name: never let them pass.
        failed.add(f"(unnamed): {reported - len(failed)} failure(s), see {log_path}")
    return total, failed, skipped, rc


def cmd_test_odoo(args):
    """Odoo's own tests of the modules ours depend on, with ours installed."""
    install = sorted(set(dependency_modules()) | set(ODOO_TESTED_MODULES))
    if args.without_ours:
        log("Odoo's modules only, without ours (checking the known failures)")
    else:
        install += OUR_MODULES
    if args.tags:
        # A subset, e.g. --tags /sale:TestAccessRights,/sale_financial_risk
        parts = [args.tags]
    else:
        parts = split_test_tags(ODOO_TESTED_MODULES, max(args.jobs, 1))
    jobs = [
        (f"{args.database}_{n}" if len(parts) > 1 else args.database, tags)
        for n, tags in enumerate(parts, 1)
    ]
    logs = [CACHE / f"test-odoo-{database}.log" for database, _ in jobs]
    log(
        f"installing {', '.join(install)} into {len(jobs)} new database(s)"
        f" ({', '.join(db for db, _ in jobs)}), each running part of Odoo's tests of"
        f" {', '.join(ODOO_TESTED_MODULES)}; full logs: {', '.join(map(str, logs))}"
    )
    lock = threading.Lock()
    results = [None] * len(jobs)

    def run(n):
        database, tags = jobs[n]
        results[n] = run_odoo_suite(database, install, tags, logs[n], lock)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(result[0] for result in results)
    failed = set().union(*(result[1] for result in results))
    skipped = sum(result[2] for result in results)
    if args.save_durations:
        durations = durations_from_logs(logs)
        DURATIONS.write_text(
            DURATIONS_HEADER
            + "".join(f"{path} {secs:.1f}\n" for path, secs in sorted(durations.items()))
        )
        log(f"wrote {DURATIONS}")
    known = read_known_failures()
    unexpected = sorted(failed - set(known))
    known_failed = sorted(failed & set(known))
    # A subset (--tags) need not run the listed tests.
    known_passed = [] if args.tags else sorted(set(known) - failed)
    for test in known_failed:
        print(f"known failure: {test} ({known[test]})")
    for test in known_passed:
        print(f"known failure that did not fail: {test} (remove it from {KNOWN_FAILURES.name}?)")
    for test in unexpected:
        print(f"FAILED: {test}")
    problems = []
    for (part_total, part_failed, _, rc), log_path in zip(results, logs, strict=True):
        if rc and not part_failed:
            problems.append(
                f"Odoo exited with {rc} before reporting a failed test (see {log_path})"
            )
        elif not part_total:
            problems.append(f"Odoo reported no test result (see {log_path})")
    for problem in problems:
        print(problem)
    passed = max(total - len(failed) - skipped, 0)
    print(
        f"test-odoo: {total} tests, {skipped} skipped, {len(known_failed)} known failures"
        f" ({KNOWN_FAILURES.relative_to(ROOT)}), {len(unexpected)} other failures"
    )
    print(f"{passed} passed, {len(failed)} failed", flush=True)
    if args.without_ours:
        # The check of the known-failures file: each of them fails without our addons.
        return 1 if known_passed or problems else 0
    return 1 if unexpected or problems else 0


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
        "-W",
        "ignore::DeprecationWarning",
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
    test_odoo.add_argument(
        "--jobs",
        type=int,
        default=int(os.environ.get("TEST_ODOO_JOBS", 2)),
        help="parallel parts, each on a database of its own (default 2)",
    )
    test_odoo.add_argument(
        "--tags",
        default="",
        help="only these Odoo test tags (one database), e.g. "
        "/sale:TestAccessRights,/sale_financial_risk,/account_financial_risk",
    )
    test_odoo.add_argument(
        "--save-durations",
        action="store_true",
        help=f"rewrite {DURATIONS.name} from this run's logs",
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
