"""Your own handwriting as data in AppTest: "Add to my digits" on Draw, and the My digits page's
grid, table of models, file download and upload, and fine-tuning."""

import numpy as np
import pytest
import torch

from digitnet.app_support.session.lab import Lab
from digitnet.drawing.defaults import default_model
from digitnet.drawing.preprocess import preprocess
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.settings import Settings
from tests.apptest import click, open_page
from tests.pages.test_app_draw import a_drawing, put_on_canvas


def label_box(at):
    return next(box for box in at.selectbox if box.label == "It is a")


def test_add_a_drawing_with_the_suggested_or_a_corrected_label():
    at = open_page("draw")
    lab = at.session_state.lab
    put_on_canvas(at, a_drawing(6))
    assert label_box(at).value == 6  # the page's answer, suggested
    click(at, "add_my_digit")
    assert lab.my_digits.labels == [6]
    assert np.abs(lab.my_digits.images[0] / 255 - preprocess(a_drawing(6))).max() <= 0.5 / 255 + 1e-6  # what it saw
    assert [s.value for s in at.success] == ["Added a 6 to your digits (1 in all): see My digits."]
    click(at, "add_my_digit")  # the same drawing again
    assert len(lab.my_digits) == 1 and any("in your digits already" in i.value for i in at.info)
    put_on_canvas(at, a_drawing(7))  # a 7 on a 2-vs-6 page: the learner corrects the answer
    assert label_box(at).value in (2, 6)
    label_box(at).set_value(7).run()
    click(at, "add_my_digit")
    assert lab.my_digits.labels == [6, 7]
    assert np.abs(lab.my_digits.images[1] / 255 - preprocess(a_drawing(7))).max() <= 0.5 / 255 + 1e-6


@pytest.fixture
def lab_with_digits():
    """A session holding 24 of the learner's 2s and 6s (MNIST's, turned a quarter: a new handwriting) and a 3."""
    data = load_dataset((2, 6))
    chosen = torch.randperm(len(data.train_x), generator=torch.Generator().manual_seed(5))[:24]
    lab = Lab(Settings(model="linear", epochs=1, seed=0))
    for image, target in zip(torch.rot90(data.train_x[chosen].view(-1, 28, 28), 1, (1, 2)), data.train_y[chosen, 0]):
        lab.my_digits.add(image.numpy(), 6 if target else 2)
    lab.my_digits.add(np.eye(28, dtype=np.float32), 3)
    return lab


def test_the_grid_and_how_every_model_reads_them(lab_with_digits):
    at = open_page("my_digits", lab=lab_with_digits)
    assert not at.exception and len(at.get("image")) == 1
    assert "25 digits, labelled by you" in at.get("image")[0].proto.imgs[0].caption
    table = at.dataframe[0].value
    assert list(table["model"]) == ["default three-layer net", "default linear model"] * 2
    assert list(table["digits"]) == ["2 vs 6", "2 vs 6", "all ten digits", "all ten digits"]
    assert list(table["yours read"]) == [24, 24, 25, 25]
    expected, _ = lab_with_digits.my_digits.accuracy(default_model("mlp", (2, 6)).model, (2, 6))
    assert table["accuracy"][0] == pytest.approx(expected)


def test_no_digits_yet():
    at = open_page("my_digits")
    assert not at.exception and "No digits yet" in at.info[0].value
    assert at.get("download_button")[0].proto.disabled and at.button(key="fine_tune_button").disabled


def test_load_a_file_and_refuse_a_damaged_one(lab_with_digits):
    data = lab_with_digits.my_digits.file()
    at = open_page("my_digits")
    at.file_uploader(key="my_digits_upload").set_value(("mine.png", data, "image/png")).run()
    lab = at.session_state.lab
    assert not at.exception and len(lab.my_digits) == 25 and lab.my_digits.labels == lab_with_digits.my_digits.labels
    assert [s.value for s in at.success] == ["Loaded 25 digits from mine.png."]
    assert not at.get("download_button")[0].proto.disabled
    at.file_uploader(key="my_digits_upload").set_value(("cut.png", data[:300], "image/png")).run()
    assert len(lab.my_digits) == 25 and at.error[0].value.startswith("cut.png: the PNG file is damaged")


def test_fine_tune_a_model_on_them(lab_with_digits):
    at = open_page("my_digits", lab=lab_with_digits)
    model = at.selectbox(key="fine_tune_model")
    model.set_value(model.options.index("default linear model")).run()
    at.slider(key="fine_tune_epochs").set_value(2).run()
    click(at, "fine_tune_button")
    lab = at.session_state.lab
    [done] = lab.fine_tunings
    assert lab.runs[-1].name == done.run == "default linear model + my digits (1)"
    assert done.epochs == 2 and len(lab.runs[-1].history) == 2
    assert (done.n_trained, done.n_held_out) == (16, 8)
    shown = at.dataframe[-1].value
    assert list(shown["before"]) == pytest.approx([done.held_out_before, done.valid_before])
    assert list(shown["after"]) == pytest.approx([done.held_out_after, done.valid_after])
    assert shown["measured on"][0] == "your digits kept aside (8)"
    assert done.valid_before == pytest.approx(default_model("linear", (2, 6)).metrics["accuracy"])
    assert any("It is a new model of this session" in c.value for c in at.caption)
    at.switch_page("pages/draw.py").run()  # it answers on Draw
    answering = next(box for box in at.selectbox if box.label == "Model that answers")
    assert "default linear model + my digits (1)" in answering.options
