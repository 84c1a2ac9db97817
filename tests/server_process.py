"""A real server in a subprocess (uvicorn), for browser, Kivy and multi-process tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from queue_server.config import Settings
from queue_server.db import Database
from queue_server.demo import seed_demo
from queue_server.migrate import upgrade


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def reachable(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something (PostgreSQL, Redis …) accepts connections there."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def prepare_demo_database(url: str) -> dict:
    upgrade(url)
    db = Database(url)
    try:
        return seed_demo(db, Settings(database_url=url, demo=True))
    finally:
        db.dispose()


class ServerProcess:
    """Start, stop and restart a uvicorn server on a fixed port and database."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str | None = None,
        port: int | None = None,
        workers: int = 1,
        extra_env: dict[str, str] | None = None,
        log_level: str = "warning",
        host: str = "127.0.0.1",
        own_process_group: bool = False,
    ):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'motcua.sqlite3'}"
        # A host of its own: another loopback address (127.0.0.2, 127.0.0.3 …; Linux routes all of
        # 127/8 to the loopback) and, with `own_process_group`, its processes killed together.
        self.host = host
        self.own_process_group = own_process_group
        self.port = port or free_port(host)
        self.workers = workers
        self.extra_env = extra_env or {}
        self.log_level = log_level  # "info" logs every request (the access log)
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir / f"server-{self.port}.log"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "MOTCUA_DATABASE_URL": self.database_url,
                "MOTCUA_DATA_DIR": str(self.data_dir),
                "MOTCUA_DEMO": "true",
                "MOTCUA_PUBLIC_BASE_URL": self.base_url,
                "MOTCUA_WS_HEARTBEAT_S": "2",
                "MOTCUA_BACKUP_TIME": "off",  # a test that wants the daily backup sets it
            }
        )
        env.update(self.extra_env)
        return env

    def launcher(self) -> list[str]:
        """The command before its --host/--port/… arguments (a bench's clock-controlled server changes it)."""
        return [sys.executable, "-m", "queue_server.security.serve"]

    def start(self, timeout: float = 90) -> ServerProcess:
        log = open(self.log_path, "ab")
        # As the CLI serves (queue_server/security/serve.py): request limits, coalescing WebSockets, redacted logs.
        cmd = [
            *self.launcher(),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            self.log_level,
        ]
        self.proc = subprocess.Popen(
            cmd,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[1],
            start_new_session=self.own_process_group,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early; see {self.log_path}:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start in {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc:
            if self.own_process_group and self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGCONT)  # a paused host would not hear SIGTERM
            end_process(self.proc)
            if self.own_process_group:  # a worker its server left behind
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: no shutdown. With `own_process_group`, every worker dies with it, as when a host
        goes down (otherwise only the server's first process is killed)."""
        if self.proc and self.proc.poll() is None:
            if self.own_process_group:
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def pause(self) -> None:
        """SIGSTOP: the host hangs — its processes alive, its sockets open, nothing answered (as a
        host stalled on its disk or swapping). Needs `own_process_group` to take every worker."""
        assert self.own_process_group and self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT: the hung host goes on where it stopped."""
        assert self.own_process_group and self.proc is not None
        os.killpg(self.proc.pid, signal.SIGCONT)


@contextmanager
def running_server(data_dir: Path, database_url: str | None = None, workers: int = 1, seed: bool = True, **kw):
    server = ServerProcess(data_dir, database_url, workers=workers, **kw)
    if seed:
        server.demo = prepare_demo_database(server.database_url)
    else:
        upgrade(server.database_url)
    server.start()
    try:
        yield server
    finally:
        server.stop()


PG_BASE = os.environ.get("MOTCUA_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def postgres_schema(prefix: str = "t"):
    """A private schema in the test database, dropped afterwards; yields its URL."""
    import secrets

    from sqlalchemy import create_engine, text

    schema = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def end_process(proc: subprocess.Popen) -> None:
    """Ask a process we started to stop (SIGTERM), and kill it if it has not within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
