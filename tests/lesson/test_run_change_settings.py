"""Run.change_settings: a run goes on training the same model with other settings."""

import pytest
import torch

from digitnet.errors import SettingsError
from digitnet.lesson.losses import bce_loss, mnist_loss
from digitnet.lesson.run import BatchResult, Run
from digitnet.lesson.settings import LESSON


def lesson_run(data, **changes):
    return Run(LESSON.replace(seed=0, **changes), data)


def test_new_learning_rate_moves_the_same_model_by_new_lr_times_gradient(small):
    run = lesson_run(small, bs=len(small.train_x))  # one batch per epoch: the whole set, in order
    list(run.fit(1))
    model = run.model
    run.change_settings(run.settings.replace(lr=0.25))
    before = run.weights()
    loss = run.loss_fn(model(small.train_x), small.train_y)
    gradients = dict(zip(before, torch.autograd.grad(loss, model.parameters()), strict=True))
    list(run.fit(1))
    assert run.model is model
    for name, value in run.weights().items():
        assert torch.equal(value, before[name] - 0.25 * gradients[name])
    assert [e.epoch for e in run.history] == [1, 2]
    assert run.settings.lr == 0.25


def test_new_loss_optimiser_batch_size_and_shuffle(small):
    run = lesson_run(small)
    list(run.fit(1))
    assert run.loss_fn is mnist_loss
    run.change_settings(run.settings.replace(loss="bce", opt="adam", lr=0.01, bs=100, shuffle=True))
    assert run.loss_fn is bce_loss
    assert isinstance(run.optimiser, torch.optim.Adam)
    assert run.optimiser.param_groups[0]["lr"] == 0.01
    assert all(a is b for a, b in zip(run.optimiser.param_groups[0]["params"], run.model.parameters()))
    batches = [e for e in run.fit(1) if isinstance(e, BatchResult)]
    assert [e.batch for e in batches] == list(range(1, 7))  # 600 images in batches of 100
    assert run.history[-1].valid_loss == pytest.approx(bce_loss(run.model(small.valid_x), small.valid_y).item())


def test_optimiser_kept_when_only_other_settings_change(small):
    run = lesson_run(small, opt="momentum", lr=0.1)
    list(run.fit(1))
    optimiser = run.optimiser
    run.change_settings(run.settings.replace(bs=64, epochs=3, shuffle=True))
    assert run.optimiser is optimiser  # momentum keeps its running average
    run.change_settings(run.settings.replace(lr=0.05))
    assert run.optimiser is not optimiser
    assert run.optimiser.param_groups[0]["lr"] == 0.05


@pytest.mark.parametrize(
    ("model", "change", "message"),
    [
        ("linear", {"model": "mlp"}, "kind of model"),
        ("linear", {"digits": (3, 8)}, "digits"),
        ("mlp", {"hidden": (10,)}, "hidden layer sizes"),
    ],
)
def test_what_makes_the_model_cannot_change(small, model, change, message):
    run = lesson_run(small, model=model)
    settings, optimiser, loss_fn = run.settings, run.optimiser, run.loss_fn
    with pytest.raises(SettingsError, match=message):
        run.change_settings(settings.replace(lr=0.5, **change))
    assert (run.settings, run.optimiser, run.loss_fn) == (settings, optimiser, loss_fn)


def test_seed_init_and_unused_sizes_stay_the_runs(small):
    run = lesson_run(small)
    run.change_settings(run.settings.replace(seed=99, init="randn", hidden=(7,), lr=0.5))
    assert (run.settings.seed, run.settings.init, run.settings.hidden) == (0, "scaled", LESSON.hidden)
    assert run.settings.lr == 0.5


def test_bad_settings_are_refused_and_change_nothing(small):
    run = lesson_run(small)
    settings = run.settings
    with pytest.raises(SettingsError, match="learning rate"):
        run.change_settings(settings.replace(lr=-1.0))
    assert run.settings == settings
