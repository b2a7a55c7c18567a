"""The Step through page: each click does one step on a real run of the session."""

import copy
import html
import inspect
import re
import textwrap

import torch
from streamlit.testing.v1 import AppTest

from digitnet.app_support.session.lab import Lab
from digitnet.lesson import steps as lesson_steps
from digitnet.lesson.optim import SGD
from digitnet.lesson.run import Run
from digitnet.lesson.settings import LESSON, Settings
from tests.apptest import click, open_page

MARKED = re.compile(r'<div style="[^"]*ffe58a[^"]*">(.*?)</div>')


def step_page(settings: Settings | None = None) -> AppTest:
    return open_page("step", lab=None if settings is None else Lab(settings))


def marked_code(at: AppTest) -> str:
    """The code lines the page marks, joined."""
    return " ".join(html.unescape(line) for m in at.markdown for line in MARKED.findall(m.value))


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def test_starts_from_the_lessons_settings():
    at = step_page()
    settings = at.session_state.lab.settings
    assert settings == LESSON.replace(digits=settings.digits)
    assert "build_model(" in marked_code(at)
    assert at.button(key="step_next").disabled


def test_keeps_settings_the_learner_chose():
    chosen = Settings(model="mlp", lr=0.01, bs=32, opt="momentum")
    at = step_page(chosen)
    assert at.session_state.lab.settings == chosen


def test_each_click_does_the_next_step():
    at = step_page()
    lab = at.session_state.lab
    lab.settings = lab.settings.replace(seed=0)
    click(at, "step_init")
    stepper = at.session_state.lab.stepper
    run = stepper.run
    assert lab.runs == [run]
    start = run.weights()
    assert "Step 1: initialise" in subheaders(at)
    assert metric(at, "Validation accuracy").value == f"{stepper.trail[0].accuracy:.4f}"
    assert 0.2 < stepper.trail[0].accuracy < 0.8  # an untrained model: about half right
    steps = [(2, "predict", "model(xb)"), (3, "loss", "loss_fn(predictions, yb)"), (4, "gradients", "backward()"),
             (5, "step", "optimiser.step()"), (6, "repeat", "self.batches()")]
    for number, name, code in steps:
        assert at.button(key="step_next").label == f"Next: {number} · {name}"
        click(at, "step_next")
        assert stepper.done == number
        assert f"Step {number}: {name}" in subheaders(at)
        assert code in marked_code(at)
        changed = [not torch.equal(value, start[key]) for key, value in run.weights().items()]
        assert changed == [number >= 5] * len(changed)  # nothing moves before step 5
        if number == 3:
            loss = f"{stepper.loss.item():.5f}"
            assert metric(at, "Loss of this batch").value == loss == metric(at, "Mean of 256 own losses").value
        if number == 5:
            for key, before in stepper.before.items():
                assert torch.equal(before, start[key])
                assert torch.equal(stepper.after[key], before - run.settings.lr * stepper.gradients[key])
            assert "before − lr × gradient is **0**" in " ".join(m.value for m in at.markdown)
    assert run.batch_losses == [stepper.loss.item()]
    assert stepper.trail[-1].steps == 1


def test_one_step_ten_steps_and_an_epoch():
    at = step_page()
    click(at, "step_init")
    run = at.session_state.lab.stepper.run
    click(at, "step_one")
    assert len(run.batch_losses) == 1 and "Step 6: repeat" in subheaders(at)
    click(at, "step_ten")
    assert len(run.batch_losses) == 11
    assert at.button(key="step_epoch").label == "Rest of epoch"
    click(at, "step_epoch")
    assert len(run.batch_losses) == 47 and [e.epoch for e in run.history] == [1]
    assert at.button(key="step_epoch").label == "Whole epoch"
    click(at, "step_epoch")
    assert len(run.batch_losses) == 94 and [e.epoch for e in run.history] == [1, 2]


def test_training_goes_on_with_changed_settings():
    at = step_page()
    click(at, "step_init")
    stepper = at.session_state.lab.stepper
    run, model = stepper.run, stepper.run.model
    click(at, "step_one")
    at.select_slider(key="setting_lr").set_value(0.1).run()
    at.slider(key="setting_epochs").set_value(2).run()
    assert at.button(key="step_continue").label == "Train 2 more epochs"
    click(at, "step_continue")
    assert at.session_state.lab.runs == [run] and run.model is model
    assert run.settings.lr == 0.1 and run.optimiser.lr == 0.1
    assert len(run.history) == 2 and len(run.batch_losses) == 1 + 2 * 47
    assert run.status == "done"
    assert stepper.trail[-1].accuracy == run.history[-1].accuracy
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert at.session_state.lab.latest() is run


def test_a_new_kind_of_model_needs_initialise():
    at = step_page()
    click(at, "step_init")
    at.radio(key="setting_model").set_value("mlp").run()
    assert not at.exception
    assert any("kind of model" in w.value for w in at.warning)
    assert at.button(key="step_next").disabled and at.button(key="step_continue").disabled
    click(at, "step_init")
    lab = at.session_state.lab
    assert len(lab.runs) == 2 and lab.runs[-1].settings.model == "mlp"
    assert at.session_state.lab.stepper.run is lab.runs[-1]
    assert not at.warning and not at.button(key="step_next").disabled


def test_a_diverging_step_is_reported_and_stepping_stops():
    at = step_page()
    click(at, "step_init")
    run = at.session_state.lab.stepper.run
    with torch.no_grad():
        run.model.weights[0, 0] = torch.nan
    for _ in range(4):
        click(at, "step_next")
    assert run.diverged and any(run.diverged in e.value for e in at.error)
    assert at.button(key="step_next").disabled and at.button(key="step_epoch").disabled
    click(at, "step_init")
    assert not at.error and at.session_state.lab.stepper.run is not run


def test_three_layer_net_shows_one_hidden_unit_at_a_time():
    at = step_page(Settings(model="mlp", lr=0.1, opt="sgd", seed=0))
    click(at, "step_init")
    picker = at.selectbox(key="step_unit")
    assert len(picker.options) == 40  # the first layer's units
    picker.set_value(3).run()
    for _ in range(3):
        click(at, "step_next")
    stepper = at.session_state.lab.stepper
    assert stepper.done == 4 and at.selectbox(key="step_unit").value == 3
    gradient = stepper.gradients["0.bias"][3].item()
    assert metric(at, "Bias gradient").value == f"{gradient:+.4f}"


CODE_LINE = re.compile(r'<div style="[^"]*">([^<]*)</div>')


def shown_function(at: AppTest):
    """The function the page shows beside the step, compiled from the page's own text."""
    block = next(m.value for m in at.markdown if MARKED.search(m.value))
    source = "\n".join(html.unescape(line) for line in CODE_LINE.findall(block))
    namespace = dict(vars(lesson_steps))  # the names its module gives it
    exec(source, namespace)
    return namespace[re.match(r"def (\w+)", source).group(1)]


def test_the_code_shown_for_each_step_is_the_code_that_made_its_numbers():
    at = step_page(LESSON.replace(seed=0))
    click(at, "step_init")
    stepper = at.session_state.lab.stepper
    run = stepper.run
    initialise = shown_function(at)
    model = initialise(run.settings, torch.Generator().manual_seed(run.settings.seed))
    assert all(torch.equal(p.detach(), run.snapshots[0][name]) for name, p in model.named_parameters())

    click(at, "step_next")
    assert torch.equal(shown_function(at)(run.model, stepper.xb), stepper.outputs)

    click(at, "step_next")
    assert shown_function(at)(run.loss_fn, stepper.outputs, stepper.yb).item() == stepper.loss.item()

    click(at, "step_next")
    again = copy.deepcopy(run.model)
    for p in again.parameters():
        p.grad = None  # the copy's own gradients only
    shown_function(at)(run.loss_fn(again(stepper.xb), stepper.yb))
    assert all(torch.equal(p.grad, stepper.gradients[name]) for name, p in again.named_parameters())

    click(at, "step_next")
    for name, p in again.named_parameters():
        p.grad = stepper.gradients[name].clone()
    optimiser = SGD(again.parameters(), run.settings.lr)
    shown_function(at)(optimiser)
    assert all(torch.equal(p.detach(), stepper.after[name]) for name, p in again.named_parameters())
    assert all(p.grad is None for p in again.parameters())

    click(at, "step_next")
    block = next(m.value for m in at.markdown if MARKED.search(m.value))
    shown = "\n".join(html.unescape(line) for line in CODE_LINE.findall(block))
    assert shown == textwrap.dedent(inspect.getsource(Run.repeat)).rstrip().replace("\n\n", "\n \n")
