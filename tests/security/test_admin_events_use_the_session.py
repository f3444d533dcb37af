"""Admin events over the websocket carry only which item is meant: the actor every admin
service receives is the session's (`current_actor`), never something from the payload.

Together with tests/security/test_admin_permissions.py (every admin service refuses and
logs a non-admin actor, whatever the ids), a buyer or seller sending an admin event is
refused. This checks the first half on the source of the admin states: they call
services through the page state's helpers (which pass `current_actor(self)`), or with an
`actor` taken from `current_actor(self)` in the same handler.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADMIN_STATES = [ROOT / "state" / "admin.py", ROOT / "state" / "moderation.py", ROOT / "state" / "admin_access.py"]
PAGE_STATE = ROOT / "state" / "page.py"
SESSION_HELPERS = {"_call", "_act"}


def direct_service_calls(tree: ast.AST):
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


def helper_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SESSION_HELPERS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "self"
    ]


def is_current_actor_of_self(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Await)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", "") == "current_actor"
        and [getattr(arg, "id", "") for arg in node.value.args] == ["self"]
    )


def actor_comes_from_the_session(function: ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(node, ast.Assign)
        and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["actor"]
        and is_current_actor_of_self(node.value)
        for node in ast.walk(function)
    )


def builds_an_actor(tree: ast.AST) -> bool:
    return any(isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Actor" for node in ast.walk(tree))


@pytest.mark.parametrize("path", ADMIN_STATES, ids=lambda p: p.name)
def test_every_admin_service_call_passes_the_session_actor(path):
    tree = ast.parse(path.read_text())
    direct = list(direct_service_calls(tree))
    assert direct or helper_calls(tree), f"{path.name} calls no services?"
    assert not builds_an_actor(tree), f"{path.name} makes an Actor of its own"
    for function, call in direct:
        assert len(call.args) >= 2, f"{path.name}:{call.lineno} passes no actor to the service"
        assert isinstance(call.args[1], ast.Name), f"{path.name}:{call.lineno} passes an expression as the actor"
        assert call.args[1].id == "actor", f"{path.name}:{call.lineno} passes something other than `actor`"
        assert actor_comes_from_the_session(function), (
            f"{path.name}:{function.name} does not take `actor` from current_actor(self)"
        )


def test_the_page_states_service_helper_passes_the_session_actor():
    """`_call` (which `_act` uses) hands the service `await current_actor(self)` first."""
    tree = ast.parse(PAGE_STATE.read_text())
    [call_helper] = [node for node in ast.walk(tree) if isinstance(node, ast.AsyncFunctionDef) and node.name == "_call"]
    [(_, call)] = list(direct_service_calls(call_helper))
    assert is_current_actor_of_self(call.args[1])
    [act_helper] = [node for node in ast.walk(tree) if isinstance(node, ast.AsyncFunctionDef) and node.name == "_act"]
    assert not list(direct_service_calls(act_helper))
    assert {call.func.attr for call in helper_calls(act_helper)} == {"_call"}


def test_the_check_sees_an_actor_taken_from_the_payload():
    bad = ast.parse(
        "async def approve(self, user_id):\n"
        "    actor = Actor(user_id=user_id, role='admin')\n"
        "    await service_call.call(decisions.approve_product, actor, 1)\n"
    )
    [(function, _)] = list(direct_service_calls(bad))
    assert not actor_comes_from_the_session(function)
    assert builds_an_actor(bad)
