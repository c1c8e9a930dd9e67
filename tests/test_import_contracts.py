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


# Each run plants one forbidden import in each contract it names, so that a contract's verdict is its one line's
# alone (the unchanged tree keeps every contract, test_it_keeps_every_contract), and the report must name that
# import. Three runs instead of one per import: each run of lint-imports costs about a second of CPU.
BREAKS = [
    {
        "apps": ("interviews/models.py", "import coding.models", "interviews.models -> coding.models"),
        "coding": ("coding/models.py", "import coding.review.matrix", "coding.models -> coding.review.matrix"),
        "views": ("coding/search.py", "from coding import views", "coding.search -> coding.views"),
        "private-names": ("coding/review/charts.py", "from coding.models import _anything",
                          "coding.review.charts (l."),
    },
    {
        "coding": ("coding/exports/build.py", "from coding.review import cooccurrence",
                   "coding.exports.build -> coding.review.cooccurrence"),
        "views": ("coding/review/matrix.py", "from coding.review.collection_views import collection",
                  "coding.review.matrix -> coding.review.collection_views"),
        "private-names": ("coding/exports/word.py", "from ..rendering import _anything",
                          "coding.exports.word (l."),
    },
    {
        "coding": ("coding/review/matrix.py", "from coding.exports import sheets",
                   "coding.review.matrix -> coding.exports.sheets"),
        # interviews may import planner (the layers allow it), but not a private module of it.
        "private-modules": ("interviews/models.py", "import planner._hidden", "planner._hidden"),
    },
]


@pytest.mark.parametrize("breaks", BREAKS, ids=["+".join(run) for run in BREAKS])
def test_it_fails_on_each_forbidden_import(tree, breaks):
    (tree / "planner" / "_hidden.py").write_text('"""A private module, imported only where a run says so."""\n')
    for module, line, _reported in breaks.values():
        append(tree / module, line)

    result = lint_imports(tree)

    assert result.returncode == 1, result.stdout + result.stderr
    for contract in CONTRACTS:
        verdict = "BROKEN" if contract in breaks else "KEPT"
        assert f"{CONTRACTS[contract]['name']} {verdict}" in result.stdout, result.stdout
    assert f"Contracts: {len(CONTRACTS) - len(breaks)} kept, {len(breaks)} broken." in result.stdout
    for _module, _line, reported in breaks.values():
        assert reported in result.stdout, result.stdout


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
