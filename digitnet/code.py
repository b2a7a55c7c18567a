"""The engine's own source, shown beside the explanations so the learner reads the code that runs.

Read with ast from the file rather than with inspect, so the home page can show it
without importing torch.
"""

import ast
import textwrap
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


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
