"""The package structure of ``survey_service`` (docs/architecture.md).

Imports are read from the source (every ``import`` statement, at module level
or inside a function), so a cycle hidden in a function body fails here too.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import survey_service

ROOT = Path(survey_service.__file__).resolve().parent

#: Layers, lowest first: a node may import its own layer's nodes (without
#: cycles) and lower layers, never a higher one.
LAYERS: dict[str, int] = {
    # foundation: shared infrastructure every domain package may use
    "settings": 0,
    "localtime": 0,
    "errors": 0,
    "i18n": 0,
    "rendering": 1,
    "openapi_errors": 0,
    "db": 1,
    # domain packages
    "practices": 2,
    "questionnaires": 2,
    "invitations": 3,
    "accounts": 3,
    "responses": 4,
    "distribution": 5,
    "results": 5,
    # wiring: storage as a whole, the web app, the command line, the demo
    "piccolo_app": 6,
    "catalogues": 6,
    "demo": 7,
    "feedback": 7,
    "region": 7,
    "web": 8,
    "cli_analyse": 9,
    "cli": 10,
    "migrations": 6,
}


def _node(path: Path) -> str:
    relative = path.relative_to(ROOT)
    return relative.parts[0].removesuffix(".py")


def _imported_nodes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(("survey_service", *path.relative_to(ROOT).parent.parts))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            # ``from survey_service import web`` names the subpackage itself
            if module == "survey_service":
                names.update(f"survey_service.{alias.name}" for alias in node.names)
    nodes = {name.split(".")[1] for name in names if name.startswith("survey_service.")}
    # ``from survey_service import __version__`` names an attribute, not a module
    return {n for n in nodes if (ROOT / n).is_dir() or (ROOT / f"{n}.py").is_file()}


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        if path.name in {"__init__.py", "__main__.py"} and path.parent == ROOT:
            continue
        source = _node(path)
        graph[source] |= _imported_nodes(path) - {source}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycle_between_packages() -> None:
    cycles = _cycles(import_graph())
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_imports_point_down_the_layers() -> None:
    graph = import_graph()
    unknown = sorted(set(graph) - set(LAYERS))
    assert not unknown, f"give these a layer in LAYERS and docs/architecture.md: {unknown}"
    upward = [
        f"{source} -> {target}"
        for source, targets in graph.items()
        for target in targets
        if LAYERS[target] > LAYERS[source]
    ]
    assert not upward, "imports against the layers: " + ", ".join(sorted(upward))


def test_the_cycle_finder_finds_a_cycle() -> None:
    # The check above must be able to fail: a function-level back edge is a cycle.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_only_settings_reads_the_environment() -> None:
    readers = []
    for path in ROOT.rglob("*.py"):
        if path == ROOT / "settings.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        written = _written_environ_nodes(tree)
        for node in ast.walk(tree):
            reads = (
                isinstance(node, ast.Attribute)
                and node.attr in {"getenv", "environ"}
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
                and id(node) not in written
            )
            if reads:
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not readers, f"read the environment through Settings instead: {readers}"


def _written_environ_nodes(tree: ast.AST) -> set[int]:
    """``os.environ["PICCOLO_CONF"] = ...`` tells Piccolo where its config is: a write."""
    return {
        id(target.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Subscript)
    }
