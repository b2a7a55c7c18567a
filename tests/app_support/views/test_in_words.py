import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from digitnet.app_support.views.figures import Panel, Series
from digitnet.app_support.views.in_words import (
    MAX_EPOCHS,
    MAX_MAPS,
    MAX_RUNS,
    accuracy_in_words,
    board_in_words,
    confusion_in_words,
    curves_in_words,
    grid_in_words,
    image_in_words,
    loss_in_words,
    map_in_words,
    matrix_in_words,
    overlay_in_words,
    own_digits_in_words,
    place,
    probabilities_in_words,
    samples_in_words,
)
from digitnet.lesson.inspection import confusion_matrix
from digitnet.lesson.run import EpochResult


def blob(row: int, column: int, value: float = 1.0) -> np.ndarray:
    """A 28x28 map, zero but for a 5x5 patch centred at (row, column)."""
    values = np.zeros((28, 28))
    values[row - 2 : row + 3, column - 2 : column + 3] = value
    return values


@pytest.mark.parametrize(("row", "column", "named"), [
    (4, 4, "the top left"), (4, 14, "the top"), (4, 23, "the top right"), (14, 4, "the left side"),
    (14, 14, "the centre"), (14, 23, "the right side"), (23, 4, "the bottom left"), (23, 14, "the bottom"),
    (23, 23, "the bottom right"),
])
def test_place_names_the_ninth_of_the_picture_a_patch_is_in(row, column, named):
    assert place(blob(row, column)) == named


def test_place_goes_by_the_sum_not_the_brightest_pixel():
    wide = np.zeros((28, 28))
    wide[19:28, 10:18] = 0.5  # 36 in all, against the patch's 25
    assert place(blob(4, 4) + wide) == "the bottom"


def numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"[-+]?\d[\d,]*\.?\d*(?:e[-+]?\d+)?", text)]


def test_a_weight_map_says_its_range_and_where_each_colour_is_strongest():
    values = blob(23, 5, 0.8) - blob(4, 14, 0.3)
    values[0, 0] = np.nan  # a NaN gradient is left out, not reported as the range
    words = map_in_words(values.reshape(784), "The weight of every pixel", "towards 6", "towards 2")
    assert words == ("The weight of every pixel, 28 by 28 pixels, from -0.3000 to +0.8000: red (towards 6) strongest "
                     "in the bottom left, blue (towards 2) strongest in the top.")
    assert map_in_words(np.zeros(784), "Zero") == "Zero, 28 by 28 pixels, from +0.0000 to +0.0000: all zero."
    # a model's weights come as a tensor
    weights = torch.tensor(values.reshape(784))
    assert map_in_words(weights, "The weight of every pixel", "towards 6", "towards 2") == words


def test_a_picture_says_how_many_pixels_have_ink_and_where(dataset):
    image = dataset.train_x[0].reshape(28, 28)
    words = image_in_words(image, "What the model sees")
    assert numbers(words)[2] == int((image >= 0.1 * image.max()).sum())
    assert image_in_words(torch.zeros(784), "Blank") == "Blank, 28 by 28 pixels: black, no ink."


def test_a_grid_names_each_picture_by_its_title_up_to_a_limit():
    rows = np.stack([blob(4, 4, 1.0) - blob(23, 23, 0.5)] * (MAX_MAPS + 3))
    titles = [f"unit {i}" for i in range(1, MAX_MAPS + 4)]
    words = grid_in_words(rows, titles, "The first layer's weights")
    assert words.startswith(f"The first layer's weights: {MAX_MAPS + 3} pictures, from -0.5000 to +1.0000. ")
    assert f"unit {MAX_MAPS}: red strongest in the top left, blue strongest in the bottom right" in words
    assert f"unit {MAX_MAPS + 1}" not in words and words.endswith("; and 3 more.")
    images = grid_in_words(np.stack([blob(23, 14)]), ["2→6 >99%"], "Mistakes", diverging=False)
    assert images == "Mistakes: 1 picture. 2→6 >99%: ink mostly in the bottom."


def test_a_matrix_says_its_shape_range_and_typical_size():
    values = np.arange(-10, 10, dtype=float).reshape(4, 5)
    words = matrix_in_words(values, "The weights of layer 2")
    assert words == ("The weights of layer 2: 4 rows by 5 columns, from -10.0000 to +9.0000; half of them between "
                     f"-{np.median(np.abs(values)):.4f} and +{np.median(np.abs(values)):.4f}.")


def test_the_confusion_table_in_words_holds_every_count_of_a_pair_and_the_right_answers():
    actual, predicted = torch.tensor([0] * 7 + [1] * 5), torch.tensor([0] * 6 + [1] + [1] * 3 + [0] * 2)
    matrix = confusion_matrix(actual, predicted, 2)
    words = confusion_in_words(matrix, (2, 6))
    assert words == ("Answers on the validation set, a row per actual digit: actual 2: 6 answered 2, 1 answered 6; "
                     "actual 6: 2 answered 2, 3 answered 6. 9 of 12 right.")
    ten = np.diag(np.full(10, 50))
    ten[3, 5] = 4
    words = confusion_in_words(ten, tuple(range(10)))
    assert "actual 3: 50 of 54 right, most often mistaken for 5 (4)" in words and "actual 4: 50 of 50 right;" in words


def test_probabilities_are_said_most_likely_first():
    assert probabilities_in_words({2: 0.0123, 6: 0.9877}) == "Probability of each digit: 6 98.8%, 2 1.2%."
    assert probabilities_in_words({2: 0.0, 6: 0.0}) == "Probability of each digit: no answer yet."


def history(accuracies) -> list[EpochResult]:
    return [EpochResult(epoch, 1 / epoch, 1.1 / epoch, accuracy, 0.1) for epoch, accuracy in enumerate(accuracies, 1)]


def test_the_training_curves_in_words_give_every_epoch_and_the_best():
    run = history([0.9910, 0.9935])
    assert accuracy_in_words("run 1", run) == ("Validation accuracy by epoch, run 1: 0.9910 after epoch 1, 0.9935 "
                                               "after epoch 2; highest 0.9935 after epoch 2.")
    assert loss_in_words("run 1", run[:1]) == ("Training and validation loss by epoch, run 1: training 1.0000 and "
                                               "validation 1.1000 after epoch 1.")
    assert accuracy_in_words("run 1", []) == "Validation accuracy by epoch, run 1: no epoch finished yet."


def test_a_long_run_is_told_by_its_first_and_last_epochs_and_its_best():
    accuracies = [0.5 + 0.01 * e for e in range(30)]
    accuracies[12] = 0.99  # the best, in the middle, where no epoch is named
    words = accuracy_in_words("run 2", history(accuracies))
    named = re.findall(r"after epoch (\d+)", words)
    assert named == [str(e) for e in [*range(1, MAX_EPOCHS // 2 + 1), *range(31 - MAX_EPOCHS // 2, 31)]] + ["13"]
    assert words.endswith("highest 0.9900 after epoch 13.")


def test_runs_compared_are_each_named_with_their_curve():
    words = overlay_in_words([("run 1", history([0.9])), ("run 2: lr 0.1", history([0.8, 0.7]))],
                             "validation loss", "valid_loss")
    assert words == ("Validation loss by epoch, 2 runs. run 1: 1.1000 after epoch 1. run 2: lr 0.1: 1.1000 after "
                     "epoch 1, 0.5500 after epoch 2; lowest 0.5500 after epoch 2.")


def test_curves_in_words_give_each_series_ends_and_extremes():
    panels = [Panel("accuracy", [Series("accuracy", [0, 1, 2, 3], [0.5, 0.9, 0.7, 0.8]),
                                 Series("this weight now", [1.5], [0.75], points=True)]),
              Panel("loss", [Series("lr 1", [1, 2], [3.0, 0.25])], log=True)]
    assert curves_in_words(panels, "weight 320") == (
        "Accuracy against weight 320: accuracy: 4 points, from 0.5 at 0 to 0.8 at 3, lowest 0.5 at 0, highest 0.9 at "
        "1; this weight now: 0.75 at 1.5. Loss against weight 320 (log scale): lr 1: 2 points, from 3 at 1 to 0.25 at "
        "2, lowest 0.25 at 2, highest 3 at 1.")


def board_run(accuracy: float, learner: int, lr: float = 0.1) -> SimpleNamespace:
    return SimpleNamespace(accuracy=accuracy, learner=learner, name=f"learner {learner}", lr=lr, bs=64, epochs=3,
                           described="linear, SGD")


def test_the_class_board_names_the_most_accurate_runs_and_all_of_yours():
    runs = [board_run(0.90 + 0.01 * k, learner=k) for k in range(MAX_RUNS + 3)] + [board_run(0.5, learner=99)]
    words = board_in_words(runs, mine=99)
    assert words.startswith(f"Final validation accuracy against learning rate (log scale), {len(runs)} runs, the most "
                            f"accurate first: 0.9700 at learning rate 0.1 (learner 7: linear, SGD, 3 epochs)")
    assert "0.5000 at learning rate 0.1 (yours:" in words and words.endswith("; and 3 more.")
    assert board_in_words([], None) == "Final validation accuracy against learning rate: no runs yet in this round."


def test_the_sample_images_and_own_digits_in_words():
    assert samples_in_words((2, 6), 20) == "The first 20 training images of each digit, one row per digit: 2s, then 6s."
    assert own_digits_in_words([6, 2, 6], 1) == ("Your 3 digits, ten to a row, each with its label under it: 1 digit "
                                                 "labelled 2, 2 digits labelled 6; 1 of them framed, kept aside when "
                                                 "fine-tuning.")
