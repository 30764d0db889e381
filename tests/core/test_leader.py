"""Leadership: one holder at a time, handed over when the holder lets go or dies."""

from dashboard import db
from dashboard.core.leader import Leadership


def test_only_one_holder_until_it_releases(engine, database_url) -> None:
    other_engine = db.build_engine(database_url)
    first, second = Leadership(engine, "detector"), Leadership(other_engine, "detector")
    try:
        assert first.try_acquire()
        assert first.try_acquire()  # idempotent for the holder
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()
        other_engine.dispose()


def test_different_names_are_independent(engine) -> None:
    detector, alerts = Leadership(engine, "detector"), Leadership(engine, "alerts")
    try:
        assert detector.try_acquire() and alerts.try_acquire()
    finally:
        detector.release()
        alerts.release()
