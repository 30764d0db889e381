from datetime import timedelta

from sqlalchemy import text

from dashboard.core import retention
from dashboard.core.ingest import PingRequest, apply_pings
from dashboard.db import write_engine


def test_it_prunes_old_events_in_batches_and_keeps_rollups(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat()
    with write_engine(engine).begin() as conn:
        for days_ago in (100, 95, 91, 89, 1):
            apply_pings(conn, [PingRequest(hb.ping_id, "tick")] * 3, now - timedelta(days=days_ago))
    deleted = retention.prune(engine, now, retention_days=90, batch=2)
    assert deleted == 9
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM event")).scalar_one() == 6
        assert conn.execute(text("SELECT SUM(tick_count) FROM event_rollup")).scalar_one() == 15
