import sys

import pytest
import torch

from digitnet.errors import Diverged, SettingsError
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.losses import cross_entropy_loss, mnist_loss
from digitnet.lesson.run import EpochResult, Run
from digitnet.lesson.settings import LESSON
from digitnet.lesson.stepper import CODE, TRAIL_POINTS, Stepper, TrailPoint


def lesson_run(data, **changes):
    return Run(LESSON.replace(seed=0, **changes), data)


def test_each_step_is_one_call_of_train_batch(dataset):
    run = lesson_run(dataset)
    stepper = Stepper(run)
    start = run.weights()
    assert (stepper.done, stepper.next_step) == (1, 2)
    assert stepper.trail == [TrailPoint(0, *run.evaluate())]

    assert stepper.advance() == 2
    assert torch.equal(stepper.xb, dataset.train_x[:256])  # unshuffled: the first 256 images, all 2s
    assert stepper.batch_counts() == {2: 256, 6: 0}
    assert torch.equal(stepper.outputs, run.model(stepper.xb))

    assert stepper.advance() == 3
    assert stepper.loss.item() == mnist_loss(stepper.outputs, stepper.yb).item()

    assert stepper.advance() == 4
    expected = torch.autograd.grad(run.loss_fn(run.model(stepper.xb), stepper.yb), run.model.parameters())
    assert all(torch.equal(stepper.gradients[name], g) for name, g in zip(start, expected, strict=True))

    assert stepper.advance() == 5
    lr = run.settings.lr
    for name, before in stepper.before.items():
        assert torch.equal(before, start[name])
        assert torch.equal(stepper.after[name], before - lr * stepper.gradients[name])
        assert not torch.equal(stepper.after[name], before)
    assert stepper.step_mismatch() == 0.0
    assert all(p.grad is None for p in run.model.parameters())  # zero_grad, as train_batch does
    assert run.batch_losses == [stepper.loss.item()]
    assert run.status == "stopped" and run.usable

    assert stepper.advance() == 6
    assert stepper.trail[-1] == TrailPoint(1, *run.evaluate())
    assert stepper.next_step == 2 and stepper.mid_epoch and stepper.batch == 1


@pytest.mark.parametrize(
    ("changes", "n_batches"),
    [({}, 10), ({"shuffle": True, "augment": True}, 10), ({"model": "mlp", "shuffle": True, "opt": "momentum"}, 3)],
)
def test_an_epoch_of_steps_is_an_epoch_of_fit(small, changes, n_batches):
    bs = 64 if n_batches == 10 else 250  # 600 images: 9 batches of 64 and one of 24, or 250, 250 and 100
    stepped, fitted = lesson_run(small, bs=bs, **changes), lesson_run(small, bs=bs, **changes)
    stepper = Stepper(stepped)
    assert stepper.batches_left == n_batches
    stepper.batches(stepper.batches_left)
    list(fitted.fit(1))
    assert all(torch.equal(value, fitted.weights()[name]) for name, value in stepped.weights().items())
    assert stepped.batch_losses == fitted.batch_losses
    (ours,), (theirs,) = stepped.history, fitted.history
    assert (ours.epoch, ours.train_loss, ours.valid_loss, ours.accuracy) == (
        theirs.epoch, theirs.train_loss, theirs.valid_loss, theirs.accuracy
    )
    now = stepped.weights()
    assert len(stepped.snapshots) == 2 and all(torch.equal(v, now[k]) for k, v in stepped.snapshots[1].items())
    assert not stepper.mid_epoch and stepper.epoch == 2


def test_whole_batches_from_half_a_batch(small):
    stepper = Stepper(lesson_run(small, bs=100))
    stepper.advance()
    stepper.advance()  # half way through batch 1
    assert stepper.batches_left == 6
    stepper.one_batch()
    assert stepper.done == 6 and len(stepper.run.batch_losses) == 1
    stepper.batches(3)
    assert len(stepper.run.batch_losses) == 4 and stepper.batch == 4 and stepper.batches_in_epoch == 6
    stepper.batches(stepper.batches_left)
    assert len(stepper.run.batch_losses) == 6 and [e.epoch for e in stepper.run.history] == [1]
    stepper.batches(10)  # crosses the end of epoch 2
    assert len(stepper.run.batch_losses) == 16 and [e.epoch for e in stepper.run.history] == [1, 2]
    assert stepper.batch == 4 and stepper.epoch == 3


def test_many_batches_check_the_validation_set_a_few_times(small):
    stepper = Stepper(lesson_run(small, bs=1, shuffle=True))
    stepper.batches(stepper.batches_left)
    run = stepper.run
    assert len(run.batch_losses) == 600 and len(run.history) == 1
    assert 1 + TRAIL_POINTS <= len(stepper.trail) <= 2 + TRAIL_POINTS
    assert stepper.trail[-1] == TrailPoint(600, run.history[0].valid_loss, run.history[0].accuracy)
    assert stepper.trail[-1] == TrailPoint(600, *run.evaluate())
    assert stepper.gradients is not None and stepper.before is not None  # the last batch is kept in detail


def test_settings_wait_for_the_next_batch(small):
    stepper = Stepper(lesson_run(small, bs=100))
    stepper.advance()
    stepper.advance()
    assert stepper.use_settings(stepper.run.settings.replace(lr=0.5)) is False
    assert stepper.run.settings.lr == 1.0
    stepper.advance()
    stepper.advance()
    assert torch.equal(stepper.after["weights"], stepper.before["weights"] - 1.0 * stepper.gradients["weights"])
    stepper.advance()
    assert stepper.use_settings(stepper.run.settings.replace(lr=0.5)) is True
    for _ in range(4):
        stepper.advance()
    assert torch.equal(stepper.after["weights"], stepper.before["weights"] - 0.5 * stepper.gradients["weights"])


def test_new_batch_size_and_shuffling_in_mid_epoch_still_use_each_image_once(small):
    stepper = Stepper(lesson_run(small, bs=100))
    seen = []
    for _ in range(2):
        stepper.one_batch()
        seen.append(stepper.indices)
    stepper.use_settings(stepper.run.settings.replace(bs=250, shuffle=True))
    assert stepper.batches_left == 2  # 400 images left: 250, then 150
    while stepper.mid_epoch:
        stepper.one_batch()
        seen.append(stepper.indices)
    assert [len(i) for i in seen] == [100, 100, 250, 150]
    order = torch.cat(seen)
    assert torch.equal(order.sort().values, torch.arange(600))
    assert not torch.equal(order[200:], torch.arange(200, 600))  # shuffled from then on
    assert stepper.run.history[0].epoch == 1


def test_a_new_kind_of_model_is_refused(small):
    stepper = Stepper(lesson_run(small))
    with pytest.raises(SettingsError, match="kind of model"):
        stepper.use_settings(stepper.run.settings.replace(model="mlp"))
    assert stepper.run.settings.model == "linear"


def test_fit_goes_on_from_where_the_steps_stopped(small):
    stepper = Stepper(lesson_run(small, bs=100))
    model = stepper.run.model
    stepper.one_batch()
    stepper.advance()
    stepper.advance()  # half way through batch 2
    events = list(stepper.fit(2))
    run = stepper.run
    assert run.model is model and run.status == "done"
    assert len(run.batch_losses) == 2 + 12  # the half batch finished, then two whole epochs
    assert [e.epoch for e in events if isinstance(e, EpochResult)] == [1, 2]
    assert stepper.trail[-1] == TrailPoint(14, run.history[-1].valid_loss, run.history[-1].accuracy)
    assert stepper.done == 6 and not stepper.mid_epoch and stepper.epoch == 3


def test_a_step_too_far_stops_the_run(small):
    run = lesson_run(small)
    with torch.no_grad():
        run.model.weights[0, 0] = torch.nan
    stepper = Stepper(run)
    for _ in range(3):
        stepper.advance()
    with pytest.raises(Diverged, match="smaller|below"):
        stepper.advance()
    assert run.status == "diverged" and run.diverged and run.batch_losses == []
    with pytest.raises(Diverged):
        stepper.advance()


def test_what_the_batch_shows(small):
    stepper = Stepper(lesson_run(small, shuffle=True))
    for _ in range(2):
        stepper.advance()
    shown = stepper.image_outputs(5)
    outputs = stepper.outputs.detach()[:5, 0]
    assert [o.index for o in shown] == stepper.indices[:5].tolist()
    assert [o.digit for o in shown] == [(2, 6)[int(t)] for t in stepper.yb[:5, 0]]
    for o, output, target in zip(shown, outputs, stepper.yb[:5, 0], strict=True):
        assert o.outputs == (output.item(),)
        assert o.probability == pytest.approx(output.sigmoid().item())
        assert o.answer == (6 if output > 0 else 2)
        assert o.loss == pytest.approx(1 - o.probability if target == 1 else o.probability)
    assert stepper.mean_image_loss() == pytest.approx(stepper.loss.item(), rel=1e-6)
    assert sum(stepper.batch_counts().values()) == len(stepper.xb)


def test_ten_digits():
    data = load_dataset("all")
    stepper = Stepper(Run(LESSON.replace(digits="all", seed=0), data))
    stepper.one_batch()
    assert stepper.run.loss_fn is cross_entropy_loss
    shown = stepper.image_outputs(3)
    probabilities = stepper.outputs.detach()[:3].softmax(dim=1)
    for o, p in zip(shown, probabilities, strict=True):
        assert len(o.outputs) == 10
        assert o.answer == data.class_digits[int(p.argmax())]
        assert o.probability == pytest.approx(p.max().item())
    assert stepper.mean_image_loss() == pytest.approx(stepper.loss.item(), rel=1e-6)


def test_other_optimisers_do_not_move_by_lr_times_gradient(small):
    stepper = Stepper(lesson_run(small, opt="adam", lr=0.01))
    for _ in range(4):
        stepper.advance()
    assert stepper.step_mismatch() > 1e-4


def calls_during(action) -> set:
    """The code objects of every Python function called while `action` runs."""
    called = set()
    sys.setprofile(lambda frame, event, arg: called.add(frame.f_code) if event == "call" else None)
    try:
        action()
    finally:
        sys.setprofile(None)
    return called


@pytest.mark.parametrize("model", ["linear", "mlp"])
def test_each_step_runs_the_function_the_page_shows_for_it(small, model):
    made = []
    assert CODE[1].__code__ in calls_during(lambda: made.append(lesson_run(small, model=model)))
    stepper = Stepper(made[0])
    for _ in range(5):
        step = stepper.next_step
        called = calls_during(stepper.advance)
        if step < 6:
            assert CODE[step].__code__ in called
        assert all(CODE[other].__code__ not in called for other in range(1, 6) if other != step)
    assert CODE[6] is Run.repeat  # step 6 is the loop that fit runs; the stepper walks it batch by batch


def test_a_stepped_run_cannot_be_replayed_from_its_settings(small):
    run = Run(LESSON.replace(seed=0), small)
    stepper = Stepper(run)
    assert run.unreplayable is None  # nothing stepped yet
    stepper.advance()
    assert run.unreplayable == "it was stepped through"
