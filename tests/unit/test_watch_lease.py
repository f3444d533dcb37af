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


class Page:
    """A page state's watcher fields, as the order page, the library and the badge hold them."""

    def __init__(self) -> None:
        self._load_number = 1
        self._watched_load = 0
        self._watching_until = 0.0


def test_the_event_sent_again_does_not_start_a_second_watcher_for_the_same_load():
    page = Page()
    assert watch_lease.claim(page) == 1
    assert watch_lease.claim(page) is None


def test_a_new_load_takes_over_and_the_old_watcher_stops_without_clearing_its_claim():
    page = Page()
    old = watch_lease.claim(page)
    page._load_number += 1  # the page is loaded again, perhaps on another replica
    new = watch_lease.claim(page)
    assert new == 2
    assert not watch_lease.renew(page, old)
    assert not watch_lease.release(page, old)
    assert watch_lease.claim(page) is None  # the new load's watcher still holds the tab
    assert watch_lease.renew(page, new)
    assert watch_lease.release(page, new)
    assert watch_lease.claim(page) == 2
