"""The layer rules of docs/architecture.md, checked on the source itself."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI_PACKAGES = {"reflex", "storefront", "state", "components"}


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


def test_the_guard_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from storefront.pages import home\nimport reflex as rx\n")
    assert imported_top_level_names(bad) == {"storefront", "reflex"}
