"""Where the benchmark runs: the PostgreSQL server and its bench databases, the settings every
child process gets, and the fingerprints that decide whether a built database can be reused.

Nothing here imports Django: ``run`` calls it before any settings exist.
"""

from __future__ import annotations

import hashlib
import os
import platform
import secrets
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
# Scratch space (collected static files, media written by the report runs, import files):
# ignored by git (.gitignore: /bench/data/).
CACHE_DIR = BENCH_DIR / "data"
RESULTS_DIR = BENCH_DIR / "results"

# The server; the user must be allowed to create databases (trust on the CI machines).
SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
TEMPLATE_DB = "portal_bench_template"
# Bump when the generated city changes: every bench database is then rebuilt.
DATASET_VERSION = "4"
# The password of every generated account (throw-away databases only).
BENCH_PASSWORD = "bench-portal-2026"  # noqa: S105 - a fixture of throw-away databases

# The project's settings the portal would run with in production.
SETTINGS_MODULE = "portal.settings.production"
# Variables a child must not inherit: a broker would send the report build to a worker that
# does not read the bench database; the bench sets its own database and secret.
INHERITED_BUT_DROPPED = (
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "DJANGO_DEBUG",
    "PYTEST_ADDOPTS",
)


def database_name(records: int, *, quick: bool) -> str:
    return f"portal_bench_quick_{records}" if quick else f"portal_bench_{records}"


def database_url(name: str) -> str:
    return f"{SERVER_URL.rstrip('/')}/{name}"


def _server() -> dict:
    parts = urlsplit(SERVER_URL)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password,
    }


def connect(name: str = "postgres"):
    connection = psycopg2.connect(dbname=name, **_server())
    connection.autocommit = True
    return connection


@contextmanager
def cursor(name: str = "postgres"):
    """A cursor on database ``name`` (autocommit), its connection closed afterwards."""
    connection = connect(name)
    try:
        with connection.cursor() as opened:
            yield opened
    finally:
        connection.close()


def child_env(name: str, *, secret: str | None = None) -> dict[str, str]:
    """The environment of every process that runs the portal against bench database ``name``:
    production settings, DEBUG off, plain HTTP on loopback, eager Celery, mail kept in memory."""
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_BUT_DROPPED}
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        DATABASE_URL=database_url(name),
        SECRET_KEY=secret or env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        # The bench talks plain HTTP to the portal on loopback: no TLS proxy in front.
        SECURE_SSL_REDIRECT="False",
        SECURE_HSTS_SECONDS="0",
        PORTAL_PROXY_COUNT="0",
        STATIC_ROOT=str(CACHE_DIR / "static"),
        MEDIA_ROOT=str(CACHE_DIR / "media"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL=env.get("BENCH_LOG_LEVEL", "ERROR"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    )
    return env


def manage(name: str, *args: str, quiet: bool = True) -> None:
    """``manage.py <args>`` against bench database ``name``."""
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=child_env(name),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def migrations_fingerprint() -> str:
    """A digest of every migration file: a schema change makes every bench database stale."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        if ".venv" in path.parts:
            continue
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def exists(name: str) -> bool:
    with cursor() as opened:
        opened.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return opened.fetchone() is not None


def drop(name: str) -> None:
    with cursor() as opened:
        opened.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        opened.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def create(name: str, *, template: str | None = None) -> None:
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with cursor() as opened:
        opened.execute(statement)


def read_marker(name: str) -> dict[str, str]:
    """What the bench wrote into database ``name`` when it finished building it."""
    if not exists(name):
        return {}
    with cursor(name) as opened:
        opened.execute("SELECT to_regclass('bench_marker')")
        if opened.fetchone()[0] is None:
            return {}
        opened.execute("SELECT key, value FROM bench_marker")
        return dict(opened.fetchall())


def write_marker(name: str, values: dict[str, str]) -> None:
    with cursor(name) as opened:
        opened.execute("CREATE TABLE IF NOT EXISTS bench_marker (key text PRIMARY KEY, value text)")
        for key, value in values.items():
            opened.execute(
                "INSERT INTO bench_marker (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, str(value)],
            )


def ensure_template(*, log) -> str:
    """An empty, migrated database that every bench database is copied from (a copy takes a
    second; migrating takes half a minute). Rebuilt when a migration file changes."""
    fingerprint = migrations_fingerprint()
    if read_marker(TEMPLATE_DB).get("migrations") == fingerprint:
        return fingerprint
    log(f"migrating the template database {TEMPLATE_DB}")
    drop(TEMPLATE_DB)
    create(TEMPLATE_DB)
    manage(TEMPLATE_DB, "migrate", "--noinput")
    write_marker(TEMPLATE_DB, {"migrations": fingerprint})
    return fingerprint


def collect_static(*, log) -> None:
    """Production serves hashed static files from a manifest (whitenoise): collect them once."""
    manifest = CACHE_DIR / "static" / "staticfiles.json"
    newest = max(
        (p.stat().st_mtime for p in (ROOT / "static").rglob("*") if p.is_file()), default=0
    )
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    log("collecting static files for the production settings")
    manage(TEMPLATE_DB, "collectstatic", "--noinput")


def machine() -> dict[str, str | int]:
    """The machine line of the results: CPU model, cores, RAM, PostgreSQL version."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024)
                break
    except OSError:
        pass
    with cursor() as opened:
        opened.execute("SHOW server_version")
        server = opened.fetchone()[0].split()[0]
        # JIT compilation can cost more than the query it compiles (seconds for the portal's
        # big aggregates): the setting belongs with the figures.
        opened.execute("SHOW jit")
        jit = opened.fetchone()[0]
    cores = os.cpu_count() or 1
    return {
        "cpu": cpu,
        "cores": cores,
        "memory_gb": memory_gb,
        "postgresql": server,
        "jit": jit,
        "python": platform.python_version(),
        # The server's default; the portal's own connections turn JIT off (portal.settings).
        "summary": (
            f"{cpu}, {cores} cores, {memory_gb} GB RAM, PostgreSQL {server} "
            f"(server jit {jit}, off for the portal's connections)"
        ),
    }
