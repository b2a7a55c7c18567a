import math

import pytest
import torch

from digitnet.errors import Diverged
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.losses import accuracy, cross_entropy_loss, mnist_loss
from digitnet.lesson.models import LinearModel, make_mlp
from digitnet.lesson.optim import SGD
from digitnet.lesson.run import (
    KEPT_WEIGHTS,
    BatchResult,
    EpochResult,
    Run,
    batch_indices,
    diverged_message,
    evaluate,
)
from digitnet.lesson.settings import Settings


@pytest.fixture(scope="module")
def trained(dataset):
    """The default MLP after one epoch; shared, so tests must not train it further."""
    return train(Settings(epochs=1, seed=0), dataset)


def train(settings, data):
    run = Run(settings, data)
    for _ in run.fit():
        pass
    return run


def history_numbers(run):
    return [(e.train_loss, e.valid_loss, e.accuracy) for e in run.history]


def test_mlp_learns(trained):
    assert len(trained.history) == 1
    result = trained.history[0]
    assert result.epoch == 1
    assert result.accuracy >= 0.98
    assert result.valid_loss < 0.1
    assert result.seconds > 0
    assert len(trained.snapshots) == 2


def test_linear_learns(dataset):
    run = train(Settings(model="linear", epochs=2, seed=0), dataset)
    assert [e.epoch for e in run.history] == [1, 2]
    assert run.history[-1].accuracy >= 0.97
    assert run.history[1].train_loss < run.history[0].train_loss


def test_evaluate_measures_validation_set(trained, dataset):
    with torch.no_grad():
        outputs = trained.model(dataset.valid_x)
    loss, acc = trained.evaluate()
    assert acc == accuracy(outputs, dataset.valid_y) == trained.history[-1].accuracy
    assert loss == pytest.approx(trained.loss_fn(outputs, dataset.valid_y).item())


def test_fit_reports_batches_then_epoch(small):
    run = Run(Settings(model="linear", bs=100, epochs=1, seed=0), small)
    events = list(run.fit())
    batches = events[:-1]
    assert all(isinstance(e, BatchResult) for e in batches)
    assert [e.batch for e in batches] == list(range(1, 7))
    assert all(e.n_batches == 6 and e.epoch == 1 for e in batches)
    assert isinstance(events[-1], EpochResult)
    assert run.batch_losses == [e.loss for e in batches]
    assert set(events[-1].to_dict()) == {"epoch", "train_loss", "valid_loss", "accuracy", "seconds"}


def test_train_loss_is_mean_over_samples(dataset):
    run = Run(Settings(model="linear", bs=5000, epochs=1, seed=0), dataset)
    losses = [e.loss for e in run.fit() if isinstance(e, BatchResult)]
    n = len(dataset.train_x)
    sizes = [min(5000, n - start) for start in range(0, n, 5000)]
    assert sizes[-1] < 5000
    expected = sum(loss * size for loss, size in zip(losses, sizes)) / n
    assert run.history[0].train_loss == pytest.approx(expected, rel=1e-12)
    # a plain mean of the batch losses would over-weight the short last batch
    assert run.history[0].train_loss != pytest.approx(sum(losses) / len(losses), rel=1e-6)


def test_same_seed_same_run(small):
    settings = Settings(model="linear", epochs=2, seed=7, augment=True)
    first, again = train(settings, small), train(settings, small)
    other = train(settings.replace(seed=8), small)
    assert history_numbers(first) == history_numbers(again)
    assert first.batch_losses == again.batch_losses
    assert history_numbers(first) != history_numbers(other)


def test_seed_chosen_and_recorded(small):
    run = train(Settings(model="linear", epochs=1), small)
    assert isinstance(run.settings.seed, int)
    # the recorded seed is enough to repeat the run
    again = train(run.settings, small)
    assert torch.equal(again.model.weights, run.model.weights)


def test_stop_between_batches_keeps_weights(dataset):
    run = Run(Settings(model="linear", epochs=2, seed=0), dataset)
    for event in run.fit():
        if isinstance(event, BatchResult) and event.epoch == 2 and event.batch == 3:
            break
    assert [e.epoch for e in run.history] == [1]
    assert len(run.snapshots) == 2
    now = run.weights()
    assert not torch.equal(now["weights"], run.snapshots[0]["weights"])
    assert not torch.equal(now["weights"], run.snapshots[1]["weights"])
    assert torch.equal(now["weights"], run.model.weights.detach())
    # training on goes on from where it stopped
    list(run.fit(1))
    assert [e.epoch for e in run.history] == [1, 2]


def test_accuracy_now_is_the_last_epochs_until_the_model_changes_within_an_epoch(dataset):
    run = Run(Settings(model="linear", epochs=2, seed=0), dataset)
    assert run.accuracy_now() == run.evaluate()[1]  # no epoch yet: measured
    for event in run.fit():
        if isinstance(event, BatchResult) and event.epoch == 2 and event.batch == 3:
            break
    with torch.no_grad():
        run.model.weights.zero_()  # a model unlike its last epoch's, whatever the batches did
    assert run.status == "stopped" and run.accuracy_now() == run.evaluate()[1] != run.history[-1].accuracy
    list(run.fit(1))
    assert run.status == "done" and run.accuracy_now() == run.history[-1].accuracy
    loaded = Run(run.settings, dataset, model=run.model)
    assert loaded.status == "loaded" and loaded.accuracy_now() == loaded.evaluate()[1]


def test_unshuffled_uses_data_in_order(small):
    settings = Settings(model="linear", opt="sgd", loss="mnist", lr=0.5, bs=50, epochs=1, shuffle=False, seed=3)
    run = train(settings, small)
    # the same steps by hand: same init, then the batches in order
    model = LinearModel(generator=torch.Generator().manual_seed(3))
    optimiser = SGD(model.parameters(), lr=0.5)
    for start in range(0, len(small.train_x), 50):
        xb, yb = small.train_x[start : start + 50], small.train_y[start : start + 50]
        mnist_loss(model(xb), yb).backward()
        optimiser.step()
        optimiser.zero_grad()
    assert torch.equal(run.model.weights, model.weights)
    shuffled = train(settings.replace(shuffle=True), small)
    assert not torch.equal(shuffled.model.weights, model.weights)


def test_batch_indices():
    gen = torch.Generator().manual_seed(0)
    in_order = [list(range(10))[i] for i in batch_indices(10, 4, False, gen)]
    assert in_order == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    shuffled = torch.cat(list(batch_indices(10, 4, True, gen)))
    assert sorted(shuffled.tolist()) == list(range(10))
    assert shuffled.tolist() != list(range(10))


def test_nan_weights_diverge(small):
    run = Run(Settings(model="linear", seed=0), small)
    with torch.no_grad():
        run.model.weights[0, 0] = math.nan
    with pytest.raises(Diverged, match="smaller learning rate") as caught:
        list(run.fit())
    assert run.diverged == str(caught.value)
    assert "epoch 1, batch 1" in run.diverged
    assert run.history == []


def test_huge_learning_rate_diverges(small):
    run = Run(Settings(model="mlp", opt="sgd", lr=100, seed=0), small)
    with pytest.raises(Diverged, match="try a smaller learning rate than 100"):
        list(run.fit())
    assert run.diverged


def test_ten_digits_use_cross_entropy():
    data = load_dataset("all")
    run = Run(Settings(model="linear", digits="all", loss="mnist", seed=0), data)
    assert run.loss_fn is cross_entropy_loss
    loss, acc = run.evaluate()
    assert loss == pytest.approx(math.log(10), rel=0.1)  # an untrained scaled model is near chance
    assert 0 <= acc <= 0.3


def test_settings_must_match_data(small):
    with pytest.raises(ValueError, match="digits"):
        Run(Settings(digits=(3, 8)), small)


def test_evaluate_function(small):
    model = LinearModel(generator=torch.Generator().manual_seed(0))
    loss, acc = evaluate(model, small.valid_x, small.valid_y, mnist_loss)
    with torch.no_grad():
        outputs = model(small.valid_x)
    assert loss == pytest.approx(mnist_loss(outputs, small.valid_y).item())
    assert acc == accuracy(outputs, small.valid_y)


def test_a_run_from_the_same_start_begins_with_the_earlier_runs_first_weights(small):
    earlier = train(Settings(model="mlp", hidden=(12, 6), epochs=1, seed=3), small)
    again = Run(Settings(model="linear", lr=0.1, opt="sgd", seed=99, init="randn"), small, start=earlier)
    # the first weights as the seed draws them, made here without the runs
    drawn = make_mlp((12, 6), 1, "scaled", torch.Generator().manual_seed(3))
    assert list(dict(again.model.named_parameters())) == list(dict(drawn.named_parameters()))
    for name, p in again.model.named_parameters():
        assert torch.equal(p, dict(drawn.named_parameters())[name])
        assert torch.equal(p, earlier.snapshots[0][name])
        assert not torch.equal(p, earlier.model.state_dict()[name])  # the earlier run has moved on since
    s = again.settings
    assert (s.model, s.hidden, s.seed, s.init, s.lr, s.opt) == ("mlp", (12, 6), 3, "scaled", 0.1, "sgd")
    assert again.same_start_as == earlier.name and again.unreplayable is None


def test_the_same_start_with_another_batch_size_sees_the_images_in_the_same_order(small):
    earlier = Run(Settings(model="linear", bs=64, seed=5), small)
    again = Run(Settings(model="linear", bs=100, lr=0.1), small, start=earlier)
    n = len(small.train_x)
    orders = [torch.cat([torch.arange(n)[i] for i in batch_indices(n, run.settings.bs, True, run.generator)])
              for run in (earlier, again)]
    assert torch.equal(*orders) and not torch.equal(orders[0], torch.arange(n))


def test_the_same_start_as_a_loaded_model_cannot_be_replayed_from_its_seed(small):
    stranger = LinearModel(1, "scaled", torch.Generator().manual_seed(42))
    loaded = Run(Settings(model="linear", seed=0), small, model=stranger, name="mine.safetensors")
    again = Run(Settings(model="linear", seed=0), small, start=loaded)
    assert torch.equal(again.model.weights, stranger.weights)
    assert loaded.unreplayable == "it was loaded from a file"
    assert again.unreplayable == "it began from the weights of mine.safetensors, which its seed does not draw"


def test_changing_settings_other_than_epochs_makes_a_run_unreplayable(small):
    run = Run(Settings(model="linear", epochs=1, seed=0), small)
    run.change_settings(run.settings.replace(epochs=5))
    assert run.unreplayable is None
    run.change_settings(run.settings.replace(lr=0.5))
    assert run.unreplayable == "its settings changed while it trained"


def test_the_divergence_message_names_the_batch_and_the_rate():
    assert diverged_message(2, 7, 1234.5, 3.0) == (
        "Training diverged in epoch 2, batch 7: the loss became 1234. The steps were too big; "
        "try a smaller learning rate than 3."
    )


def test_a_long_run_keeps_the_weights_of_a_few_epochs_chosen_evenly(small):
    run = Run(Settings(model="linear", epochs=37, bs=600, seed=0), small)
    kept = []
    for event in run.fit():
        if isinstance(event, EpochResult):
            kept.append(sorted(run.snapshots))
            assert event.epoch in run.snapshots and 0 in run.snapshots  # the first weights and the last, always
            assert len(run.snapshots) <= KEPT_WEIGHTS + 1
    assert kept[9] == list(range(11))  # every epoch, up to KEPT_WEIGHTS
    assert kept[19] == [*range(0, 21, 2)] and kept[-1] == [*range(0, 37, 4), 37]  # then every 2nd, 4th...: and the last
    assert all(torch.equal(run.snapshots[37][name], value) for name, value in run.weights().items())


def test_a_wide_net_keeps_fewer(dataset):
    run = Run(Settings(hidden=(1024, 128), epochs=1, seed=0), dataset)  # 4.6 MB of weights
    assert run.kept_weights == 1
