import inspect

import pytest

from digitnet.app_support.views.code_view import code_html, function_source, source_of
from digitnet.lesson import run, steps


def test_function_source_is_the_code_that_runs():
    source = function_source("lesson.steps", "train_batch")
    assert source.text == inspect.getsource(steps.train_batch).rstrip()
    assert source.path == "digitnet/lesson/steps.py"


def test_source_of_finds_a_function_through_itself():
    assert source_of(steps.gradients).text == inspect.getsource(steps.gradients).rstrip()
    method = source_of(run.Run.repeat)
    assert method.text.startswith("def repeat(self, epochs: int):\n    ")
    assert method.path == "digitnet/lesson/run.py"


def test_the_body_is_the_lines_after_the_docstring():
    source = source_of(steps.step)
    lines = source.text.splitlines()
    assert [lines[n - 1].strip() for n in source.body] == ["optimiser.step()", "optimiser.zero_grad()"]
    gradients = source_of(steps.gradients)
    assert [gradients.text.splitlines()[n - 1].strip() for n in gradients.body] == ["batch_loss.backward()"]


def test_an_unknown_function_is_a_key_error():
    with pytest.raises(KeyError):
        function_source("lesson.steps", "no_such_function")


def test_code_html_escapes_the_source_and_marks_lines():
    source = "def f(a):\n    if a < 1:\n        return '<b>'\n    return a"
    block = code_html(source, marked=[2])
    assert "<b>" not in block and "&#x27;&lt;b&gt;&#x27;" in block
    lines = block.split('<div style="')[2:]  # after the block's own div, one per line
    assert len(lines) == 4
    assert [("ffe58a" in line) for line in lines] == [False, True, False, False]


def test_code_html_folds_a_long_source_around_the_marked_line():
    source = "\n".join(f"line{n}" for n in range(1, 31))
    block = code_html(source, marked=[20], fold=14)
    shown = [n for n in range(1, 31) if f">line{n}<" in block]
    assert shown == [1, 18, 19, 20, 21, 22]
    assert block.count("...") == 2  # what was left out, above and below
    assert all(f">line{n}<" in code_html(source, marked=[20]) for n in range(1, 31))  # no fold asked
