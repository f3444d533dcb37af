"""Every third-party import is pinned, so a fresh machine installs what the code needs.

The shared development venv can hold packages someone installed by hand; CI on a
new machine has only what requirements*.txt name. This finds the gap first.
"""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {
    "commerce",
    "storefront",
    "state",
    "components",
    "routes",
    "tests",
    "rxconfig",
    "bench",
    "alembic_env",
} | {
    script.stem
    for script in (ROOT / "scripts").glob("*.py")  # bench scripts import scripts/ by path
}
RUNTIME_PACKAGES = ("commerce", "storefront", "state", "components", "routes", "alembic", "rxconfig.py")


def pinned(requirements_file: str) -> set[str]:
    names = set()
    for line in (ROOT / requirements_file).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==", line.strip())
        if match:
            names.add(normalise(match.group(1)))
    return names


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def third_party_imports(paths) -> dict[str, str]:
    found = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def python_files(*names: str):
    for name in names:
        target = ROOT / name
        yield from ([target] if target.is_file() else sorted(target.rglob("*.py")))


def unpinned(modules: dict[str, str], allowed: set[str]) -> list[str]:
    distributions = packages_distributions()
    missing = []
    for module, where in sorted(modules.items()):
        dists = {normalise(d) for d in distributions.get(module, [module])}
        if not dists & allowed:
            missing.append(f"{module} (imported in {where}; distributions {sorted(dists)})")
    return missing


def test_runtime_imports_are_pinned_in_requirements():
    allowed = pinned("requirements.txt") | pinned("requirements-nodeps.txt")
    assert unpinned(third_party_imports(python_files(*RUNTIME_PACKAGES)), allowed) == []


def test_test_and_bench_imports_are_pinned_in_dev_requirements():
    allowed = pinned("requirements.txt") | pinned("requirements-nodeps.txt") | pinned("requirements-dev.txt")
    assert unpinned(third_party_imports(python_files("tests", "bench")), allowed) == []
