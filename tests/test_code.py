import inspect

import pytest

from digitnet import learner
from digitnet.code import function_source, line_of


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
