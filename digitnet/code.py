"""The engine's own source, shown beside the explanations so the learner reads the code that runs.

Read with ast from the file rather than with inspect, so the home page can show it
without importing torch.
"""

import ast
import html
import textwrap
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
FOLD_CONTEXT = 2  # lines kept on each side of a marked line when a long source is folded
CODE_STYLE = ("font-family:'Source Code Pro',monospace;font-size:0.8rem;line-height:1.45;padding:0.6rem 0.7rem;"
              "background:#f6f8fa;border-radius:0.5rem")
LINE_STYLE = "white-space:pre-wrap;overflow-wrap:anywhere;padding-left:4px"
MARKED_STYLE = "background:#ffe58a;border-left:4px solid #d48806;padding-left:0;font-weight:700"


@cache
def function_source(module: str, name: str) -> str:
    """The source of function (or method, or class) `name` in digitnet/<module>.py: whole
    lines, decorators and a comment after the last statement included, dedented."""
    text = (PACKAGE / f"{module}.py").read_text()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return textwrap.dedent("\n".join(text.splitlines()[first - 1 : node.end_lineno]))
    raise KeyError(f"{name} is not defined in digitnet/{module}.py")


def line_of(source: str, marker: str) -> int:
    """The 1-based number of the first line of `source` containing `marker`."""
    for number, line in enumerate(source.splitlines(), 1):
        if marker in line:
            return number
    raise KeyError(marker)


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
