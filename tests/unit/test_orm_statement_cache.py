"""ORM-executed INSERT, UPDATE and DELETE statements stay in SQLAlchemy's compiled cache
even when a server's threads run their first ones at the same moment (commerce/db.py)."""

import subprocess
import sys
import textwrap

FRESH_PROCESS = textwrap.dedent(
    """
    import commerce.db  # noqa: F401  (what every process of the app imports first)
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.sql import annotation, dml
    from sqlalchemy.sql.cache_key import NO_CACHE

    for statement in (dml.Insert, postgresql.Insert, sqlite.Insert, dml.Update, dml.Delete):
        wrapper = annotation.annotated_classes.get(statement)
        traversal = wrapper and wrapper.__dict__.get("_generated_cache_key_traversal")
        print(statement.__module__, statement.__name__, traversal not in (None, NO_CACHE))
    """
)


def test_the_orm_statement_wrappers_are_made_cacheable_before_any_thread_runs_a_statement():
    # A fresh interpreter: in this one, earlier tests have long since made the wrappers.
    out = subprocess.run([sys.executable, "-c", FRESH_PROCESS], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == 5
    assert all(line.endswith(" True") for line in lines), out
