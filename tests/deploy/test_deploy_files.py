"""deploy/ as a site installs it: the proxy's configuration is valid for HAProxy with the example
addresses and reads no variable the example does not describe; the server's example settings are
settings the server accepts; the units run commands the CLI knows."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from queue_server.cli import build_parser
from queue_server.config import Settings
from tests.deploy.haproxy import CONFIG, haproxy_binary

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def env_file(path: Path, commented: bool = False) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them (single quotes kept literally);
    with `commented`, also the optional ones written as `#KEY=VALUE`."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if commented and re.match(r"^#[A-Z_0-9]+=", line):
            line = line[1:]
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value[1:-1] if value[:1] == value[-1:] == "'" else value
    return values


def test_the_proxy_configuration_reads_what_its_example_environment_file_describes():
    used = set(re.findall(r"\$\{([A-Z_0-9]+)", CONFIG.read_text())) | set(
        re.findall(r"defined\(([A-Z_0-9]+)\)", CONFIG.read_text())
    )
    described = env_file(DEPLOY / "proxy.env.example", commented=True)
    assert used == set(described), used ^ set(described)
    if haproxy_binary() is None:
        pytest.skip("haproxy not installed (Debian package, in the Makefile's APT_PACKAGES)")
    # As installed (the TLS listener is left out: its certificate is the site's own).
    env = env_file(DEPLOY / "proxy.env.example")
    check = subprocess.run(
        [haproxy_binary(), "-c", "-f", str(CONFIG)], env=env, capture_output=True, text=True, timeout=30
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "WARNING" not in check.stdout + check.stderr, check.stdout + check.stderr


def test_the_server_example_holds_only_settings_the_server_accepts(monkeypatch):
    values = env_file(DEPLOY / "server.env.example")
    for key, value in values.items():
        if key.startswith("MOTCUA_"):
            monkeypatch.setenv(key, value)
    settings = Settings()  # refuses a MOTCUA_ variable that names no setting, or a bad value
    settings.check_secret()
    assert settings.trusted_proxies == ["10.20.0.10"] and settings.backup_time == "off"
    unit = (DEPLOY / "systemd" / "motcua-server.service").read_text()
    for name in ("BIND_HOST", "BIND_PORT", "WORKERS"):
        assert name in values and "${" + name + "}" in unit


def test_the_units_run_commands_the_cli_knows():
    parser = build_parser()
    for unit in ("motcua-server.service", "motcua-backup.service"):
        text = (DEPLOY / "systemd" / unit).read_text()
        (command,) = re.findall(r"^ExecStart=\S*/motcua-server (.+)$", text, re.M)
        args = shlex.split(re.sub(r"\$\{(\w+)\}", "1", command))
        assert parser.parse_args(args).func, unit
