"""The learner's own digits in their session: labelled, kept, saved, loaded, read by the models,
and fine-tuned on."""

import numpy as np
import pytest
import torch

from digitnet.app_support.session.lab import Lab
from digitnet.app_support.session.own_digits import MIN_TO_FINE_TUNE, MyDigits
from digitnet.app_support.views.digit_grid import ASIDE, CELL, LABEL, digit_grid
from digitnet.errors import DigitsFileError
from digitnet.lesson.settings import Settings


def sideways(dataset, n, seed=1):
    """n training 2s and 6s turned a quarter, as (28, 28) images in [0, 1], and their digits: a
    handwriting MNIST's models never saw."""
    chosen = torch.randperm(len(dataset.train_x), generator=torch.Generator().manual_seed(seed))[:n]
    images = torch.rot90(dataset.train_x[chosen].view(-1, 28, 28), 1, (1, 2)).numpy()
    return images, [6 if t else 2 for t in dataset.train_y[chosen, 0].tolist()]


def test_a_labelled_drawing_is_kept_once():
    mine = MyDigits()
    image = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    assert mine.add(image, 7)  # the label the learner chose, whatever the model answered
    assert not mine.add(image, 7)  # a second click on the same drawing
    assert mine.add(1 - image, 1)
    assert mine.labels == [7, 1] and len(mine) == 2
    assert np.array_equal(mine.images[0], np.round(image * 255).astype(np.uint8))
    with pytest.raises(ValueError):
        mine.add(image, 10)


def test_saved_and_loaded_again(dataset):
    mine = MyDigits()
    for image, label in zip(*sideways(dataset, 12)):
        mine.add(image, label)
    again = MyDigits()
    assert again.load(mine.file()) == 12
    assert again.labels == mine.labels and all(np.array_equal(a, b) for a, b in zip(again.images, mine.images))
    assert again.load(mine.file()) == 12 and len(again) == 24  # loading adds to what is there


def test_a_corrupt_file_is_refused_and_nothing_changes(dataset):
    mine = MyDigits()
    mine.add(*[x[0] for x in sideways(dataset, 1)])
    data = mine.file()
    for bad in (data[: len(data) // 2], data.replace(b"digitnet-digits", b"digitnet-weights"), b"not a png"):
        with pytest.raises(DigitsFileError):
            mine.load(bad)
    assert len(mine) == 1


def test_each_model_reads_the_digits_of_its_task(dataset):
    mine = MyDigits()
    images, labels = sideways(dataset, 9)
    for image, label in zip(images, labels):
        mine.add(image, label)
    mine.add(images[0], 3)  # a 3: not for a 2-vs-6 model
    model = torch.nn.Linear(784, 1)
    accuracy, n = mine.accuracy(model, (2, 6))
    with torch.no_grad():  # by hand: above 0 is label 1, the 6
        answers = [6 if model(torch.from_numpy(np.round(i * 255) / 255).float().reshape(1, 784)) > 0 else 2
                   for i in images]
    assert n == 9 and accuracy == pytest.approx(np.mean([a == b for a, b in zip(answers, labels)]))
    assert mine.accuracy(model, (4, 5)) == (None, 0)
    x, y = mine.tensors(mine.of_task((6, 2)), (6, 2))  # label 1 is the pair's second digit
    assert x.shape == (9, 784) and y[:, 0].tolist() == [float(label == 2) for label in labels]
    train, aside = mine.split((2, 6))
    assert aside == [2, 5, 8] and train == [0, 1, 3, 4, 6, 7]


def test_the_grid_frames_the_digits_kept_aside(dataset):
    mine = MyDigits()
    for image, label in zip(*sideways(dataset, 12)):
        mine.add(image, label)
    picture = np.asarray(digit_grid(mine.images, mine.labels, aside={2}))
    assert picture.shape == (2 * (CELL + LABEL), 10 * CELL, 3)
    assert tuple(picture[0, 2 * CELL + 10]) == ASIDE and tuple(picture[0, 10]) != ASIDE


def test_fine_tuning_makes_a_new_run_and_says_what_it_did(dataset):
    lab = Lab(Settings(model="linear", epochs=1, seed=0))
    source = lab.start_run(dataset)
    list(source.fit())
    weights = source.weights()
    for image, label in zip(*sideways(dataset, 5)):
        lab.my_digits.add(image, label)
    with pytest.raises(ValueError, match=f"at least {MIN_TO_FINE_TUNE}"):
        lab.fine_tune("run 1", source.model, source.settings, {}, dataset, epochs=1)
    for image, label in zip(*sideways(dataset, 40, seed=2)):
        lab.my_digits.add(image, label)
    run, outcome = lab.fine_tune("run 1", source.model, source.settings, {"sure_threshold": 0.8, "recipe": {}},
                                 dataset, epochs=1)
    assert lab.runs == [source, run] and lab.fine_tunings == [outcome] and run.name == "run 1 + my digits (1)"
    assert all(torch.equal(p, weights[name]) for name, p in source.model.named_parameters())  # a copy was trained
    assert (outcome.n_trained, outcome.n_held_out) == (30, 15)
    assert outcome.held_out_after > outcome.held_out_before
    assert outcome.valid_before == source.evaluate()[1] and outcome.valid_after == run.history[-1].accuracy
    assert run.file_metrics == {"recipe": {}} and run.status == "done"  # the threshold was for the old weights
