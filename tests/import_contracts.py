"""Import-linter contract types of our own, for the rules its built-in types cannot see.

pyproject.toml names them under [tool.importlinter] contract_types; `lint-imports` runs from the
repository root, which it puts on sys.path, so `tests.import_contracts` imports from there.
"""

import ast
import importlib.util
from pathlib import Path

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


class PrivateNamesContract(Contract):
    """No module takes a private name (`_name`) from a module of another package.

    Import-linter's graph knows which module imports which, not the names taken, so this reads the
    source with `ast`. Modules of one package may share private helpers; across packages (another
    app, or a sub-package such as coding.review against coding) a private name is not an
    interface. A name counts as private when it starts with one underscore. Only imports still in
    the graph count, so `ignore_imports` works as in the built-in contracts.
    """

    type_name = "private_names"

    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        files = _SourceFiles(graph)
        violations = []
        for importer in sorted(graph.modules):
            path = files.path(importer)
            if path is None:
                continue
            for node in _imports_from(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                module = _absolute(node, importer, files.is_package(importer))
                for alias in node.names:
                    if not _is_private(alias.name):
                        continue
                    # `from package import _module` imports a module, not a name.
                    imported = f"{module}.{alias.name}" if f"{module}.{alias.name}" in graph.modules else module
                    if imported not in graph.modules or files.package(importer) == files.package(imported):
                        continue
                    if not graph.direct_import_exists(importer=importer, imported=imported):
                        continue  # listed in ignore_imports
                    violations.append({"importer": importer, "imported": imported, "name": alias.name,
                                       "line_number": node.lineno})
        return ContractCheck(kept=not violations, warnings=list(removal.warnings),
                             ignored_import_count=removal.ignored_import_count,
                             metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for violation in check.metadata["violations"]:
            output.print_error(
                f"{violation['importer']} (l.{violation['line_number']}) takes the private name "
                f"{violation['name']} from {violation['imported']}",
                bold=False,
            )
            output.new_line()


def _imports_from(tree: ast.Module):
    """Every `from … import …` statement, at any depth, in the order of the source.

    Only statements are visited (bodies, else and finally blocks, handlers, match cases), not the
    expressions inside them, where no import can be: a quarter of the nodes `ast.walk` visits."""
    found = []
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ImportFrom):
            found.append(node)
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                pending.extend(block)
    return sorted(found, key=lambda node: (node.lineno, node.col_offset))


def _absolute(node: ast.ImportFrom, importer: str, importer_is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = importer.split(".")
    base = parts if importer_is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


class _SourceFiles:
    """Where the graph's modules live on disk, found from their root packages without importing them."""

    def __init__(self, graph: ImportGraph):
        self.graph = graph
        self.roots: dict[str, Path] = {}

    def _root(self, name: str) -> Path | None:
        if name not in self.roots:
            spec = importlib.util.find_spec(name)
            locations = spec.submodule_search_locations if spec else None
            self.roots[name] = Path(next(iter(locations))) if locations else None
        return self.roots[name]

    def path(self, module: str) -> Path | None:
        first, *rest = module.split(".")
        root = self._root(first)
        if root is None:
            return None
        base = root.joinpath(*rest)
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None

    def is_package(self, module: str) -> bool:
        path = self.path(module)
        return path is not None and path.name == "__init__.py"

    def package(self, module: str) -> str:
        return module if self.is_package(module) else module.rpartition(".")[0]
