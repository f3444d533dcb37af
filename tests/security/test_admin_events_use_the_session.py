"""Admin events over the websocket carry only which item is meant: the actor every admin
service receives is the session's (`current_actor`), never something from the payload.

Together with tests/security/test_admin_permissions.py (every admin service refuses and
logs a non-admin actor, whatever the ids), a buyer or seller sending an admin event is
refused. This checks the first half on the source of the admin states.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADMIN_STATES = [ROOT / "state" / "admin.py", ROOT / "state" / "moderation.py"]


def service_calls(tree: ast.AST):
    """(function, call) for every `service_call.call(...)` in the module."""
    for function in ast.walk(tree):
        if isinstance(function, ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "call"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "service_call"
                ):
                    yield function, node


def actor_comes_from_the_session(function: ast.AsyncFunctionDef) -> bool:
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["actor"]
            and isinstance(node.value, ast.Await)
            and isinstance(node.value.value, ast.Call)
            and getattr(node.value.value.func, "id", "") == "current_actor"
        ):
            return True
    return False


@pytest.mark.parametrize("path", ADMIN_STATES, ids=lambda p: p.name)
def test_every_admin_service_call_passes_the_session_actor(path):
    calls = list(service_calls(ast.parse(path.read_text())))
    assert calls, f"{path.name} calls no services?"
    for function, call in calls:
        not_the_actor = f"{path.name}:{call.lineno} passes something other than `actor` to the service"
        assert len(call.args) >= 2, not_the_actor
        assert isinstance(call.args[1], ast.Name), not_the_actor
        assert call.args[1].id == "actor", not_the_actor
        assert actor_comes_from_the_session(function), (
            f"{path.name}:{function.name} does not take `actor` from current_actor(self)"
        )


def test_the_check_sees_an_actor_taken_from_the_payload():
    bad = ast.parse(
        "async def approve(self, user_id):\n"
        "    actor = Actor(user_id=user_id, role='admin')\n"
        "    await service_call.call(decisions.approve_product, actor, 1)\n"
    )
    [(function, _)] = list(service_calls(bad))
    assert not actor_comes_from_the_session(function)
