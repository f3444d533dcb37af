"""A page watcher's claim on a tab lapses by itself when the process running it dies."""

from state import watch_lease


def test_a_running_watchers_claim_keeps_a_second_one_away():
    assert watch_lease.held(watch_lease.lease())


def test_a_claim_nobody_renews_lapses_so_the_next_page_load_starts_a_watcher(monkeypatch):
    claimed = watch_lease.lease()
    later = claimed + 0.001  # the replica died; nobody pushed the deadline forward
    monkeypatch.setattr(watch_lease.time, "time", lambda: later)
    assert not watch_lease.held(claimed)


def test_no_claim_is_free():
    assert not watch_lease.held(0.0)
