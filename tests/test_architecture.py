"""The layers of docs/ARCHITECTURE.md hold: no import cycle between the app's modules, and the
shared kernel imports no feature package.

Imports inside functions count too: a late import only hides a cycle from the interpreter, not
from the next reader. The one cycle allowed is Flask's blueprint idiom, where a feature package's
`__init__` creates `bp` and imports its route modules, which import `bp` back.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "association_tool"

# Modules every feature may use; they import no feature package (docs/ARCHITECTURE.md).
KERNEL = {"access", "audit", "audit_text", "backup", "backup_schedule", "config", "database",
          "extensions", "forms", "htmx", "i18n", "labels", "models", "parties", "passwords", "pdf",
          "public_limit", "sealing", "settings", "timeutil", "users"}
# Packages that only put the app together (the factory, the command line, the demo data).
ASSEMBLY = {"", "cli", "db_copy", "demo"}


def _modules() -> dict[str, tuple[Path, list[str]]]:
    """Every module of the app: dotted name -> (file, the package its relative imports start from)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
            package = parts
        else:
            package = parts[:-1]
        found[".".join(parts)] = (path, package)
    return found


def _is_blueprint_idiom(importer: str, imported: str, modules) -> bool:
    """A feature package's __init__ importing its own route modules, or they importing it."""
    def routes_of(package: str, module: str) -> bool:
        return modules[module][1] == package.split(".") and module.rsplit(".", 1)[-1].endswith("routes")

    return routes_of(importer, imported) or routes_of(imported, importer)


def import_graph() -> dict[str, set[str]]:
    """Which app modules each app module imports, anywhere in its body."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, package) in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - (node.level - 1)]
                    target = ".".join(base + (node.module.split(".") if node.module else []))
                else:
                    target = node.module or ""
                submodules = [f"{target}.{alias.name}" for alias in node.names
                              if f"{target}.{alias.name}" in modules]
                # `from . import audit` imports the module audit, not the package's __init__.
                targets = submodules if len(submodules) == len(node.names) else [target, *submodules]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for target in targets:
                if target in modules and target != name and not _is_blueprint_idiom(name, target, modules):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_app_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle_and_the_blueprint_idiom_is_not_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    modules = _modules()
    assert _is_blueprint_idiom("association_tool.goals", "association_tool.goals.routes", modules)
    assert not _is_blueprint_idiom("association_tool.goals", "association_tool.goals.services", modules)


def _area(module: str) -> str:
    """The first name under association_tool: a kernel module, a feature package or ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_kernel_imports_no_feature_package():
    graph = import_graph()
    features = {_area(m) for m in graph} - KERNEL - ASSEMBLY
    wrong = sorted(f"{importer} -> {imported}"
                   for importer, imports in graph.items() if _area(importer) in KERNEL
                   for imported in imports if _area(imported) in features)
    assert wrong == []
