"""The composition root lists every job and installs every subscriber, whatever was imported."""

import importlib
import pkgutil

import commerce
from commerce import events, wiring
from commerce.jobs import Job


def every_job_defined_in_commerce() -> set[str]:
    found = set()
    for module in pkgutil.walk_packages(commerce.__path__, "commerce."):
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, Job):
                found.add(value.name)
    return found


def test_the_worker_is_told_of_every_job_once():
    listed = [job.name for job in wiring.JOBS]
    assert len(listed) == len(set(listed))
    assert set(listed) == every_job_defined_in_commerce()


def test_every_domain_event_has_its_subscribers_listed():
    published = {cls for cls in vars(events).values() if isinstance(cls, type) and issubclass(cls, events.DomainEvent)}
    assert set(wiring.SUBSCRIBERS) == published - {events.DomainEvent}
