"""No import cycles anywhere in the project, not even through imports inside functions or for
type hints: a cycle says that a function sits in the wrong module."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("digitnet", "pages", "harness", "bench", "deploy", "scripts", "tests")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    found = {module_name(path): path for part in PARTS for path in (ROOT / part).rglob("*.py")}
    return found | {"app": ROOT / "app.py"}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project's modules that `path` imports, wherever in the file: `from a import b` is an edge
    to a.b when that is a module, else to a."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
                       for alias in node.names]
        else:
            continue
        found |= {target for target in targets if target in known and target != name}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def test_no_module_imports_itself_through_others():
    assert cycles(graph()) == []


def test_a_cycle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_graph_sees_imports_inside_functions_and_for_type_hints():
    edges = graph()
    assert "digitnet.lesson.run" in edges["digitnet.app_support.session.lab"]  # imported inside a method
    assert "digitnet.export.writer" in edges["digitnet.cli"]  # imported inside a function
    assert "digitnet.lesson.steps" in edges["digitnet.lesson.stepper"]  # from . import steps
