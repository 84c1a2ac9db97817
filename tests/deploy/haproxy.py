"""Debian's HAProxy running the product's own proxy configuration (deploy/haproxy/motcua.cfg), with
the addresses a site would write in /etc/motcua/proxy.env given as environment variables."""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.server_process import end_process, free_port

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "haproxy" / "motcua.cfg"


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if os.path.exists(p)), None)


class Haproxy:
    """`haproxy -db -f deploy/haproxy/motcua.cfg` listening on `host`, in front of `hosts`."""

    def __init__(self, log_dir: Path, host: str, hosts: list[str]):
        self.host = host
        self.port = free_port(host)
        self.hosts = hosts
        # A short path: a Unix socket's name may not exceed 107 bytes (pytest's tmp paths can).
        self._socket_dir = tempfile.mkdtemp(prefix="motcua-proxy-")
        self.admin_socket = os.path.join(self._socket_dir, "admin.sock")
        self.log_path = Path(log_dir) / "haproxy.log"
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """What a site writes in /etc/motcua/proxy.env (deploy/proxy.env.example)."""
        hosts = {f"APP_HOST_{i}": address for i, address in enumerate(self.hosts, start=1)}
        return {
            **os.environ,
            "PROXY_LISTEN": f"{self.host}:{self.port}",
            "PROXY_SOURCE": self.host,
            "PROXY_ADMIN_SOCKET": self.admin_socket,
            "PROXY_MAXCONN": "200",  # HAProxy needs about twice this many open files: within any CI runner's limit
            **hosts,
        }

    def start(self, timeout: float = 30) -> Haproxy:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [haproxy_binary(), "-db", "-f", str(CONFIG)], env=self.env(), stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"haproxy exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if all(s["status"] == "UP" for s in self.servers().values()):
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"haproxy's hosts not all up in {timeout}s; see {self.log_path}")

    def command(self, line: str) -> str:
        """One command on the operator's socket (HAProxy's runtime API), its answer."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(self.admin_socket)
            s.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers(self) -> dict[str, dict]:
        """The application hosts as the proxy sees them: status (UP/DOWN/MAINT) and scur (open sessions)."""
        rows = csv.DictReader(io.StringIO(self.command("show stat").lstrip("# ")))
        return {
            r["svname"]: {"status": r["status"], "scur": int(r["scur"] or 0)}
            for r in rows
            if r["pxname"] == "motcua" and r["svname"] not in ("FRONTEND", "BACKEND")
        }

    def set_state(self, server: str, state: str) -> None:
        """`ready`, `drain` or `maint` (what an operator does before taking a host out)."""
        answer = self.command(f"set server motcua/{server} state {state}")
        assert answer.strip() == "", answer

    def stop(self) -> None:
        if self.proc:
            end_process(self.proc)
        self.proc = None
        shutil.rmtree(self._socket_dir, ignore_errors=True)
