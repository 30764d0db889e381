from dataclasses import replace

from dashboard.config import get_settings
from dashboard.core.background import Background


def test_a_process_that_may_lead_runs_every_singleton(engine) -> None:  # type: ignore[no-untyped-def]
    jobs = {job.id for job in Background(engine, get_settings()).scheduler.get_jobs()}
    assert {"miss-detector", "retention", "event-purge"} <= jobs


def test_a_pure_web_worker_never_competes_for_leadership(engine) -> None:  # type: ignore[no-untyped-def]
    assert Background(engine, replace(get_settings(), run_detector=False)).scheduler.get_jobs() == []
