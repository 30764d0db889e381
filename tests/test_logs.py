import json
import logging

from dashboard.logs import JsonFormatter


def test_log_lines_are_json_with_extra_fields() -> None:
    record = logging.makeLogRecord({"name": "dashboard.core.detector", "levelname": "INFO", "levelno": 20,
                                    "msg": "recorded %d misses", "args": (3,), "heartbeat_id": "abc"})
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "recorded 3 misses"
    assert entry["level"] == "info" and entry["heartbeat_id"] == "abc"
    assert entry["time"].endswith("+00:00")
