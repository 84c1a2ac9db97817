"""The kiosk and the tablet start as a deployed one does: a start-up log without any CRITICAL line,
and no test control channel — its code is not even imported (python -X importtime lists every module)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from tests.kivy_app import ROOT, app_env
from tests.server_process import end_process, running_server

pytestmark = pytest.mark.slow

APPS = {
    "kiosk.main": {"device_token": "mdv_demo-kiosk-1", "printer_url": "emulator://printer", "camera_url": None},
    "rating_tablet.main": {"device_token": "mdv_demo-tablet-1", "outbox_path": "outbox.sqlite3", "fullscreen": False},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("startup-server")) as srv:
        yield srv


@pytest.mark.parametrize("module", APPS)
def test_app_starts_clean_and_without_the_test_control_channel(module, server, xdisplay, tmp_path):
    config = tmp_path / "app.json"
    config.write_text(json.dumps({"server_url": server.base_url, **APPS[module]}), encoding="utf-8")
    env = app_env(xdisplay, tmp_path)
    env.pop("MOTCUA_TEST_CONTROL_PORT", None)
    log_path = tmp_path / "app.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", module, "--config", str(config), "--windowed"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while "event stream connected" not in log_path.read_text(errors="replace"):
                assert proc.poll() is None, log_path.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "the app never reached the server"
                time.sleep(0.2)
        finally:
            end_process(proc)
    text = log_path.read_text(errors="replace")
    imported = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", text, re.M))
    assert "kivy.core.clipboard" in imported, "the text boxes were built (they load the clipboard and cut buffer)"
    assert not {m for m in imported if m.split(".")[0] == "control_channel"}
    critical = [line for line in text.splitlines() if "CRITICAL" in line]
    assert not critical, "\n".join(critical)
