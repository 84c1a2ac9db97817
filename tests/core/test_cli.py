"""The installer's command line, run as a real process against a real SQLite file."""

import os
import subprocess
import sys

import httpx
import pytest

from tests.server_process import ServerProcess

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-m", "queue_server.cli"]


def run(args, env, stdin=None):
    return subprocess.run(CLI + args, env=env, input=stdin, capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ)
    e.update(
        MOTCUA_DATA_DIR=str(tmp_path),
        MOTCUA_DATABASE_URL=f"sqlite:///{tmp_path / 'm.sqlite3'}",
        MOTCUA_SECRET_KEY="a-real-secret-for-this-test-0123456789",
    )
    e.pop("MOTCUA_DEMO", None)
    return e


def test_admin_commands_and_the_tokens_they_print(env, tmp_path):
    assert run(["db", "upgrade"], env).returncode == 0
    seeded = run(["demo", "--seed-only"], env)
    assert seeded.returncode == 0 and "mdv_demo-kiosk-1" in seeded.stdout
    again = run(["demo", "--seed-only"], env)  # idempotent: still one centre
    assert again.returncode == 0 and "Demo centre #1" in again.stdout

    r = run(
        [
            "admin",
            "create-user",
            "truong.mot.cua",
            "--role",
            "manager",
            "--agency",
            "000.00.14.H12",
            "--centre",
            "1",
            "--password-stdin",
        ],
        env,
        stdin="mat-khau-rat-dai\n",
    )
    assert r.returncode == 0, r.stderr
    r = run(
        ["admin", "create-user", "x", "--role", "manager", "--agency", "999.99.99.X99", "--password-stdin"],
        env,
        stdin="mat-khau-rat-dai\n",
    )
    assert r.returncode == 2 and "999.99.99.X99" in r.stderr
    r = run(["admin", "create-device", "--kind", "tablet", "--centre", "1"], env)
    assert r.returncode == 2 and "phải gắn với một quầy" in r.stderr
    r = run(["admin", "create-device", "--kind", "kiosk", "--centre", "1", "--qr", str(tmp_path / "enrol.png")], env)
    assert r.returncode == 0, r.stderr
    device_id = int(r.stdout.split("#")[1].split()[0])
    token = next(line for line in r.stdout.splitlines() if " token: " in line).rsplit(" ", 1)[1]
    # The enrolment QR a kiosk scans at first start: the server's address and this token.
    from PIL import Image
    from pyzbar.pyzbar import decode

    from hardware.payloads import parse_payload

    enrolment = parse_payload(decode(Image.open(tmp_path / "enrol.png"))[0].data.decode())
    assert enrolment.kind == "enrolment" and enrolment.token == token

    server = ServerProcess(
        tmp_path,
        env["MOTCUA_DATABASE_URL"],
        extra_env={"MOTCUA_DEMO": "false", "MOTCUA_SECRET_KEY": env["MOTCUA_SECRET_KEY"]},
    )
    server.start()
    try:
        h = {"Authorization": f"Bearer {token}"}
        assert httpx.get(server.base_url + "/api/v1/services", headers=h).status_code == 200
        demo = {"Authorization": "Bearer mdv_demo-kiosk-1"}  # published in the README: refused outside demo mode
        assert httpx.get(server.base_url + "/api/v1/services", headers=demo).status_code == 401
        login = httpx.post(
            server.base_url + "/api/v1/auth/token", data={"username": "truong.mot.cua", "password": "mat-khau-rat-dai"}
        )
        assert login.status_code == 200 and login.json()["user"]["role"] == "manager"
        assert run(["admin", "revoke-device", str(device_id)], env).returncode == 0
        assert httpx.get(server.base_url + "/api/v1/services", headers=h).status_code == 401
    finally:
        server.stop()


def test_refuses_the_default_secret_outside_demo(env):
    env = {**env, "MOTCUA_SECRET_KEY": "change-me-demo-only"}
    r = run(["run", "--port", "1"], env)
    assert_one_clear_line(r, "MOTCUA_SECRET_KEY")


def assert_one_clear_line(r, *expected: str) -> None:
    """A refused command: exit code 2 and one Vietnamese line on stderr — no traceback, SQL or secrets."""
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Lỗi: "), r.stderr
    for leak in ("Traceback", "INSERT", "SELECT", "argon2", "sqlalchemy", "psycopg", "[SQL"):
        assert leak not in r.stderr, r.stderr
    for text in expected:
        assert text in lines[0], r.stderr


def test_every_admin_command_fails_with_one_clear_line(env, tmp_path):
    assert run(["demo", "--seed-only"], env).returncode == 0
    create = ["admin", "create-user", "canbo01", "--role", "clerk", "--centre", "1", "--password-stdin"]
    assert_one_clear_line(run(create, env, stdin="mat-khau-rat-dai\n"), "Tên đăng nhập đã tồn tại")
    assert_one_clear_line(run(create[:-1], env), "--password-stdin")
    bad_name = ["admin", "create-user", "Tên Có Dấu", "--role", "admin", "--password-stdin"]
    assert_one_clear_line(run(bad_name, env, stdin="mat-khau-rat-dai\n"), "username")
    no_centre = ["admin", "create-user", "can.bo.moi", "--role", "clerk", "--centre", "99", "--password-stdin"]
    assert_one_clear_line(run(no_centre, env, stdin="mat-khau-rat-dai\n"), "Không tìm thấy trung tâm")
    assert_one_clear_line(
        run(["admin", "create-device", "--kind", "kiosk", "--centre", "99"], env), "Không tìm thấy trung tâm"
    )
    assert_one_clear_line(run(["admin", "revoke-device", "9999"], env), "Không tìm thấy")


def test_other_commands_fail_with_one_clear_line(env, tmp_path):
    unreachable = {**env, "MOTCUA_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    for args in (["db", "upgrade"], ["dossiers", "sweep"], ["admin", "revoke-device", "1"]):
        assert_one_clear_line(run(args, unreachable), "MOTCUA_DATABASE_URL")
    assert_one_clear_line(run(["dossiers", "sync-folder", str(tmp_path / "none")], env), "Không tìm thấy thư mục")
    assert_one_clear_line(run(["procedures", "import", str(tmp_path / "none.json")], env), "không đọc được tệp")
    mistyped = {**env, "MOTCUA_MAX_RECALL": "5"}
    assert_one_clear_line(run(["run", "--port", "1"], mistyped), "MOTCUA_MAX_RECALL", "MOTCUA_MAX_RECALLS")
    wrong_type = {**env, "MOTCUA_MAX_RECALLS": "ba"}
    assert_one_clear_line(run(["db", "upgrade"], wrong_type), "MOTCUA_MAX_RECALLS")
    assert_one_clear_line(run(["run", "--port", "1"], {**env, "MOTCUA_SECRET_KEY": "short"}), "MOTCUA_SECRET_KEY")
