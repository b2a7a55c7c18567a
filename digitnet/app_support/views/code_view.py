"""The engine's own source, shown beside the explanations so the learner reads the code that runs.

Read with ast from the file rather than with inspect, so the home page can show it
without importing torch.
"""

import ast
import html
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
FOLD_CONTEXT = 2  # lines kept on each side of a marked line when a long source is folded
CODE_STYLE = ("font-family:'Source Code Pro',monospace;font-size:0.8rem;line-height:1.45;padding:0.6rem 0.7rem;"
              "background:#f6f8fa;border-radius:0.5rem")
LINE_STYLE = "white-space:pre-wrap;overflow-wrap:anywhere;padding-left:4px"
MARKED_STYLE = "background:#ffe58a;border-left:4px solid #d48806;padding-left:0;font-weight:700"


@dataclass(frozen=True)
class Source:
    """A function's source, dedented, with where it is and which of its lines do its work."""

    text: str
    path: str  # relative to the package's parent: "digitnet/lesson/steps.py"
    body: tuple[int, ...]  # 1-based numbers of the lines after the signature and docstring


def function_source(module: str, name: str) -> Source:
    """Function (or method, or class) `name` of digitnet.<module> ("lesson.steps"), found by
    name in the file: the home page shows it before torch, which the module imports, is loaded."""
    path = PACKAGE.joinpath(*module.split(".")).with_suffix(".py")
    for node in _definitions(path):
        if node.name == name:
            return _source(path, node)
    raise KeyError(f"{name} is not defined in {path.relative_to(PACKAGE.parent)}")


def source_of(function) -> Source:
    """The source of a function or method of digitnet, found through the function itself: the
    file and first line its code object was compiled from."""
    code = function.__code__
    path = Path(code.co_filename)
    for node in _definitions(path):
        if node.lineno == code.co_firstlineno or any(d.lineno == code.co_firstlineno for d in node.decorator_list):
            return _source(path, node)
    raise KeyError(f"{function.__qualname__} is not in {path}")


@cache
def _definitions(path: Path) -> list[ast.FunctionDef | ast.ClassDef]:
    tree = ast.parse(path.read_text())
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)]


def _source(path: Path, node) -> Source:
    """Whole lines, decorators included, dedented."""
    lines = path.read_text().splitlines()
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    text = textwrap.dedent("\n".join(lines[first - 1 : node.end_lineno]))
    statements = node.body[1:] if ast.get_docstring(node) is not None and len(node.body) > 1 else node.body
    body = tuple(range(statements[0].lineno - first + 1, node.end_lineno - first + 2))
    return Source(text, str(path.relative_to(PACKAGE.parent)), body)


def code_html(source: str, marked=(), fold: int | None = None) -> str:
    """The source as an HTML block of code with the `marked` lines (1-based) highlighted.
    Long lines wrap rather than scroll, for narrow columns and projectors. With `fold`, a
    source of more lines than that shows only the first line and those near the marked ones.
    A plain block, not st.code: its highlighter is 1.5 MB of script for the browser to load,
    the most of the home page's drawing time (bench/startup.py: 0.5 s)."""
    lines = source.splitlines()
    near = set(range(1, len(lines) + 1))
    if fold is not None and len(lines) > fold:
        near = {n for m in marked for n in range(m - FOLD_CONTEXT, m + FOLD_CONTEXT + 1)} | {1}
    shown, skipped = [], False
    for number, line in enumerate(lines, 1):
        if number not in near:
            if not skipped:
                shown.append(f'<div style="{LINE_STYLE};color:#888">    ...</div>')
            skipped = True
            continue
        skipped = False
        style = f"{LINE_STYLE};{MARKED_STYLE}" if number in marked else LINE_STYLE
        shown.append(f'<div style="{style}">{html.escape(line) or " "}</div>')
    return f'<div style="{CODE_STYLE}">{"".join(shown)}</div>'
