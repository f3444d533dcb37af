"""The layer rules of docs/architecture.md, checked on the source itself."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI_PACKAGES = {"reflex", "storefront", "state", "components", "routes"}


def imported_top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", python_files("commerce"), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_never_imports_the_ui(path):
    assert not imported_top_level_names(path) & UI_PACKAGES


@pytest.mark.parametrize("path", python_files("components"), ids=lambda p: str(p.relative_to(ROOT)))
def test_components_never_import_state_or_services(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert not node.module.startswith("state"), f"{path}: components receive vars, not states"
            assert not node.module.startswith(("commerce.db", "commerce.accounts.service")), path


@pytest.mark.parametrize(
    "path", python_files("state") + python_files("storefront"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_ui_layers_run_no_queries(path):
    source = path.read_text()
    assert "rx.session(" not in source, f"{path}: database queries belong in commerce/ services"
    assert "select(" not in source, f"{path}: database queries belong in commerce/ services"


@pytest.mark.parametrize("path", python_files("state"), ids=lambda p: str(p.relative_to(ROOT)))
def test_one_helper_owns_the_states_transaction_boundary(path):
    """States call services through state/service_call.py, the only place that opens a unit of work."""
    if path.name != "service_call.py":
        assert "unit_of_work" not in path.read_text(), f"{path}: call the service through service_call.call"


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", python_files("routes"), ids=lambda p: str(p.relative_to(ROOT)))
def test_routes_is_a_leaf_every_ui_layer_may_import(path):
    outside = {
        name
        for name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names and name not in {"__future__", "commerce.links"}
    }
    assert outside == set(), f"{path}: routes imports only the standard library and commerce.links"


@pytest.mark.parametrize(
    "path",
    python_files("storefront") + python_files("state") + python_files("components") + python_files("routes"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_ui_modules_import_at_the_top_only(path):
    """An import inside a function hides a dependency from import-linter's layers."""
    for function in ast.walk(ast.parse(path.read_text())):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            nested = [node for node in ast.walk(function) if isinstance(node, ast.Import | ast.ImportFrom)]
            assert not nested, f"{path}: import at the top of the module"


def test_the_guard_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from storefront.pages import home\nimport reflex as rx\n")
    assert imported_top_level_names(bad) == {"storefront", "reflex"}
