import html
import inspect
import re

from streamlit.testing.v1 import AppTest

from digitnet.lesson import steps as lesson_steps
from digitnet.lesson.steps import train_batch
from tests.apptest import APP


def home(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception
    return at


def test_home_shows_the_six_steps_and_the_code_that_runs():
    at = home()
    steps = [m.value for m in at.markdown if m.value.startswith("**")]
    assert [s.split("**")[1] for s in steps] == [
        "1. Initialise", "2. Predict", "3. Loss", "4. Gradients", "5. Step", "6. Repeat",
    ]
    block = next(m.value for m in at.markdown if "def train_batch(" in m.value)
    lines = [html.unescape(line) for line in re.findall(r'<div style="[^"]*">([^<]*)</div>', block)]
    assert "\n".join(lines) == inspect.getsource(train_batch).rstrip().replace("\n\n", "\n \n")
    # each step train_batch calls is shown too, as it is written: step 4 is loss.backward()
    block = next(m.value for m in at.markdown if "def gradients(" in m.value)
    lines = [html.unescape(line) for line in re.findall(r'<div style="[^"]*">([^<]*)</div>', block)]
    for step in (lesson_steps.predict, lesson_steps.loss, lesson_steps.gradients, lesson_steps.step):
        assert inspect.getsource(step).rstrip().replace("\n\n", "\n \n") in "\n".join(lines)
    assert any("loss.backward()" in line for line in lines)


def test_home_shows_the_dataset_at_a_glance():
    at = home()
    metrics = {m.label: (m.value, m.proto.delta) for m in at.metric}
    assert metrics == {
        "Digit 2 label 0": ("5,958 training", "1,032 validation"),
        "Digit 6 label 1": ("5,918 training", "958 validation"),
    }


def test_home_follows_the_task_of_the_link():
    at = home({"digits": "all"})
    assert len(at.metric) == 10
    assert sum(int(m.value.split()[0].replace(",", "")) for m in at.metric) == 60_000
