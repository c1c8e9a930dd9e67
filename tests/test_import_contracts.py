"""The import contracts in pyproject.toml hold, and each one fails on the import it forbids."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("planner", "interviews", "coding")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract for contract in CONFIG["contracts"]}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.fail("import-linter is not installed in the virtual environment (make install-dev installs it)")
    # No cache: the runs on both databases and in both xdist workers would share its directory.
    # A wide console keeps each contract's name and verdict on one line.
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd), "COLUMNS": "400", "NO_COLOR": "1"}
    return subprocess.run([command, "--no-cache", "--no-logo"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


def test_it_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


def test_it_protects_every_view_module():
    on_disk = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.stem == "views" or path.stem.endswith("_views")
    }
    assert len(on_disk) >= 12
    assert set(CONTRACTS["views"]["protected_modules"]) == on_disk


@pytest.fixture
def tree(tmp_path):
    """A copy of the packages, the contracts and our contract types, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.po"))
    (tmp_path / "tests").mkdir()
    for name in ("__init__.py", "import_contracts.py"):
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests" / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


@pytest.mark.parametrize(("contract", "module", "line"), [
    ("apps", "interviews/models.py", "import coding.models"),
    ("coding", "coding/models.py", "import coding.review.matrix"),
    ("coding", "coding/exports/build.py", "from coding.review import cooccurrence"),
    ("coding", "coding/review/matrix.py", "from coding.exports import sheets"),
    ("views", "coding/search.py", "from coding import views"),
    ("views", "coding/review/matrix.py", "from coding.review.collection_views import collection"),
    ("private-names", "coding/review/charts.py", "from coding.models import _anything"),
    ("private-names", "coding/exports/word.py", "from ..rendering import _anything"),
])
def test_it_fails_on_a_forbidden_import(tree, contract, module, line):
    append(tree / module, line)

    result = lint_imports(tree)

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{CONTRACTS[contract]['name']} BROKEN" in result.stdout
    assert "Contracts: 4 kept, 1 broken." in result.stdout


def test_it_fails_on_a_coding_module_without_a_layer(tree):
    (tree / "coding" / "stray.py").write_text('"""A module nobody placed."""\n')

    result = lint_imports(tree)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "coding.stray" in result.stdout + result.stderr


def test_it_lets_modules_of_one_package_share_private_names(tree):
    append(tree / "coding" / "search.py", "from coding.rendering import _anything")
    append(tree / "coding" / "review" / "charts.py", "from .matrix import _anything")

    result = lint_imports(tree)

    assert result.returncode == 0, result.stdout + result.stderr
