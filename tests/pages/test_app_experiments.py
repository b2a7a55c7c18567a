"""The Experiments page: each experiment's button shows the effect the lesson describes."""

import math
import re

import pytest
import torch
from streamlit.testing.v1 import AppTest

from digitnet.lesson import findings as ex
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.models import LinearModel
from digitnet.lesson.run import Run
from digitnet.lesson.settings import LESSON
from tests.apptest import click, open_page


@pytest.fixture(scope="module")
def at():
    """One session for the whole module, as a learner going from one experiment to the next."""
    return open_page("experiments", timeout=120)


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_accuracy_stays_while_the_loss_moves(at):
    click(at, "exp1_run")
    accuracy, loss = metric(at, "Accuracy"), metric(at, "mnist_loss")
    assert accuracy.delta == "+0.0000"
    assert float(loss.delta) != 0
    # the same by hand: the lesson's model with seed 0, weight 320 times 1.01, on the validation images
    data = load_dataset()
    model = LinearModel(1, LESSON.init, torch.Generator().manual_seed(0))
    weights, bias = model.weights.detach().clone(), model.bias.detach()
    nudged = weights.clone()
    nudged[320] *= 1.01
    labels = data.valid_y[:, 0]
    for w in (weights, nudged):
        predictions = (data.valid_x @ w + bias)[:, 0]
        assert accuracy.value == f"{((predictions > 0).float() == labels).float().mean().item():.4f}"
    sigmoid = (data.valid_x @ nudged + bias)[:, 0].sigmoid()
    assert loss.value == f"{torch.where(labels == 1, 1 - sigmoid, sigmoid).mean().item():.6f}"
    assert "exactly the same" in text(at)


def test_sigmoid_of_zero(at):
    at.slider(key="exp2_prediction").set_value(0.0).run()
    values = [metric(at, label).value for label in ("sigmoid", "mnist_loss, target 1", "mnist_loss, target 0")]
    assert values == ["0.5000"] * 3
    at.slider(key="exp2_prediction").set_value(3.0).run()
    assert metric(at, "mnist_loss, target 1").value == f"{1 - torch.tensor(3.0).sigmoid().item():.4f}"


def test_gradient_doubles_without_zero_grad(at):
    click(at, "exp3_run")
    table = next(d.value for d in at.dataframe if "weights.grad.mean()" in d.value.columns)
    first, second, zeroed = table["weights.grad.mean()"].tolist()
    assert second == pytest.approx(2 * first, rel=1e-6) and first != 0
    assert zeroed == first
    bias = table["bias.grad"].tolist()
    assert bias[1] == pytest.approx(2 * bias[0], rel=1e-6) and bias[2] == bias[0]


def test_unshuffled_plateaus_where_shuffled_learns(at):
    at.slider(key="exp4_epochs").set_value(3).run()
    click(at, "exp4_run")
    found = re.search(r"after each of the first (\d+) epochs.*?= \*\*([\d.]+)\*\*.*?reaches \*\*([\d.]+)\*\*", text(at))
    assert found, text(at)
    epochs, plateau, shuffled = int(found[1]), float(found[2]), float(found[3])
    data = load_dataset()
    assert epochs == 3
    assert plateau == round((data.valid_y == 0).float().mean().item(), 4)
    assert shuffled > 0.95


def test_small_learning_rate_crawls_and_big_one_diverges(at):
    click(at, "exp5_run")
    table = next(d.value for d in at.dataframe if "learning rate" in d.value.columns)
    rows = table.to_dict("records")
    assert [r["learning rate"] for r in rows] == ["0.0001", "1", "10"]
    assert [r["what happened"] for r in rows] == ["trained", "trained", "diverged"]
    losses = [float(v) for v in rows[0]["validation loss, epoch by epoch"].split(" → ")]
    assert len(losses) == 4 and max(losses) - min(losses) < 0.01  # barely moves
    assert rows[1]["accuracy"] > 0.9
    assert "diverged" in text(at)


def test_batch_sizes_one_epoch_each(at):
    click(at, "exp6_run")
    table = next(d.value for d in at.dataframe if "batch size" in d.value.columns)
    rows = table.to_dict("records")
    n = len(load_dataset().train_x)
    assert [r["batch size"] for r in rows] == ["1", "256", f"all {n:,}"]
    assert [r["steps"] for r in rows] == [n, -(-n // 256), 1]
    assert rows[0]["noise"] > 10 * rows[1]["noise"] > 0
    assert math.isnan(rows[2]["noise"])  # one step: nothing to compare it with
    assert all(r["seconds"] > 0 for r in rows)


def test_the_threshold_question(at):
    click(at, "exp7_run")
    assert "each of the 1,990 validation images gets the same answer both ways" in " ".join(s.value for s in at.success)
    assert "sigmoid(0) = 0.5" in text(at)
    # the lesson's model as the experiment trains it, scored here by hand
    run = Run(LESSON.replace(seed=0, shuffle=True, epochs=ex.THRESHOLD_EPOCHS), load_dataset())
    for _ in run.fit():
        pass
    outputs = run.model(run.data.valid_x).detach()[:, 0]
    labels = run.data.valid_y[:, 0]
    assert metric(at, "Validation accuracy").value == f"{run.history[-1].accuracy:.4f}"
    at.slider(key="exp7_threshold").set_value(0.8).run()
    called_six = outputs.sigmoid() > 0.8
    assert metric(at, "False 2s").value == str(int((~called_six & (labels == 1)).sum()))
    assert metric(at, "False 6s").value == str(int((called_six & (labels == 0)).sum()))
    assert metric(at, "Validation accuracy").value == f"{(called_six.float() == labels).float().mean().item():.4f}"
    assert "sigmoid(preds) > 0.80 is the same cut as preds > 1.386" in " ".join(c.value for c in at.caption)


def test_a_large_learning_rate_kills_more_units(at):
    click(at, "exp8_run")
    table = next(d.value for d in at.dataframe if "layer 1 (of 40)" in d.value.columns)
    rows = table.to_dict("records")
    assert [r["learning rate"] for r in rows] == ["0.01", "0.1", "1", "3"]
    dead = [r["layer 1 (of 40)"] for r in rows]
    assert dead[-1] > dead[0] + 10
    assert rows[-1]["layer 2 (of 20)"] == 20 and rows[0]["accuracy"] > 0.9
