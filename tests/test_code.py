import inspect

import pytest

from digitnet import learner
from digitnet.code import code_html, function_source, line_of


def test_function_source_is_the_code_that_runs():
    assert function_source("learner", "train_batch") == inspect.getsource(learner.train_batch).rstrip()


def test_line_of_finds_each_step():
    source = function_source("learner", "train_batch")
    lines = source.splitlines()
    assert "loss.backward()" in lines[line_of(source, "step 4") - 1]
    assert "optimiser.step()" in lines[line_of(source, "step 5") - 1]
    with pytest.raises(KeyError):
        line_of(source, "step 9")


def test_an_unknown_function_is_a_key_error():
    with pytest.raises(KeyError):
        function_source("learner", "no_such_function")


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
