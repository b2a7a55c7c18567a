"""Fine-tuning on a learner's digits: here MNIST 2s and 6s written sideways, a handwriting the
models never saw. Mixed into MNIST's batches, the ones kept aside are read better after; the
validation set is still read."""

import pytest
import torch

from digitnet.lesson.fine_tune import fine_tune, held_out
from digitnet.lesson.losses import accuracy
from digitnet.lesson.run import BatchResult, EpochResult, Run
from digitnet.lesson.settings import Settings


@pytest.fixture(scope="module")
def sideways(dataset):
    """45 training 2s and 6s turned a quarter: (images, targets)."""
    chosen = torch.randperm(len(dataset.train_x), generator=torch.Generator().manual_seed(1))[:45]
    turned = torch.rot90(dataset.train_x[chosen].view(-1, 28, 28), 1, (1, 2)).reshape(-1, 784)
    return turned, dataset.train_y[chosen]


def trained(dataset) -> Run:
    run = Run(Settings(model="linear", epochs=1, seed=0), dataset)
    list(run.fit())
    return run


def read(run, x, y) -> float:
    with torch.no_grad():
        return accuracy(run.model(x), y)


def test_every_third_is_kept_aside():
    assert held_out(7) == ([0, 1, 3, 4, 6], [2, 5])
    assert held_out(2) == ([0, 1], [])


def test_fine_tuning_learns_the_new_handwriting_and_keeps_mnist(dataset, sideways):
    run = trained(dataset)
    x, y = sideways
    train, aside = held_out(len(x))
    before, valid_before = read(run, x[aside], y[aside]), run.evaluate()[1]
    events = list(fine_tune(run, x[train], y[train], epochs=1))
    after, valid_after = read(run, x[aside], y[aside]), run.evaluate()[1]
    print(f"sideways held out: {before:.3f} -> {after:.3f}; validation {valid_before:.4f} -> {valid_after:.4f}")
    assert after >= before + 0.2  # it learned a handwriting it never trained on from 30 examples
    assert valid_after > 0.95 and run.history[-1].accuracy == valid_after  # and the validation accuracy is reported
    assert run.status == "done" and len(run.history) == 2 and isinstance(events[-1], EpochResult)
    batches = [e for e in events if isinstance(e, BatchResult)]
    assert len(batches) == run.n_batches and run.batch_losses[-len(batches):] == [b.loss for b in batches]


def test_stopping_keeps_what_it_learned(dataset, sideways):
    run = trained(dataset)
    events = fine_tune(run, *sideways, epochs=1)
    next(events), next(events)
    events.close()
    assert run.status == "stopped" and len(run.batch_losses) == run.n_batches + 2 and len(run.history) == 1
