"""The tablet's outbox (nothing lost, each rating keeps one key) and its configuration file."""

import json

import pytest

from rating_tablet.config import ConfigError, load_config
from rating_tablet.outbox import Outbox


def test_outbox_keeps_ratings_across_restarts(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    first = box.add({"ticket_id": 7, "overall": "hai_long"})
    second = box.add({"ticket_id": 8, "overall": "rat_hai_long"})
    assert first != second
    box.close()

    box = Outbox(path)  # the tablet restarted (power cut) before sending
    pending = box.pending()
    assert [(e.ticket_id, e.body["idempotency_key"]) for e in pending] == [(7, first), (8, second)]
    box.attempted(first, "unreachable")
    assert box.pending()[0].body["idempotency_key"] == first  # still waiting, same key for the retry
    box.mark(first, "sent")
    box.mark(second, "rejected", "rating_window_closed")
    assert box.pending() == [] and box.counts() == {"pending": 0, "sent": 1, "rejected": 1}


def test_outbox_caches_counter_for_offline_start(tmp_path):
    box = Outbox(tmp_path / "o.sqlite3")
    box.remember("counter", {"number": 1, "officer": {"full_name": "Nguyễn Thị Lan"}})
    assert box.recall("counter")["officer"]["full_name"] == "Nguyễn Thị Lan"
    assert box.recall("criteria", []) == []


def write(tmp_path, data) -> str:
    path = tmp_path / "tablet.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_config_reads_file_and_env(tmp_path, monkeypatch):
    path = write(
        tmp_path, {"server_url": "http://10.0.0.5:8000", "device_token": "mdv_x", "outbox_path": "box.sqlite3"}
    )
    cfg = load_config(path)
    assert cfg.fullscreen is True and cfg.outbox_path == str(tmp_path / "box.sqlite3")
    monkeypatch.setenv("MOTCUA_TABLET_CONFIG", path)
    assert load_config(None).server_url == "http://10.0.0.5:8000"


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"device_token": "mdv_x", "server_url": "10.0.0.5"}, "server_url"),
        ({"server_url": "http://x"}, "device_token"),
        ({"device_token": "mdv_x", "langauge": "vi"}, "unknown setting"),
        ({"device_token": "mdv_x", "language": "fr"}, "language"),
    ],
)
def test_config_errors_say_what_to_fix(tmp_path, data, problem):
    with pytest.raises(ConfigError, match=problem):
        load_config(write(tmp_path, data))


def test_missing_config_is_a_clear_exit(tmp_path, monkeypatch, capsys):
    from rating_tablet.main import main

    monkeypatch.delenv("MOTCUA_TABLET_CONFIG", raising=False)
    assert main([]) == 2
    assert "--config" in capsys.readouterr().err
    assert main(["--config", str(tmp_path / "none.json")]) == 2
