"""The Weights page through Streamlit's AppTest: weights, epochs, gradients, mistakes."""

import base64
import copy

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from digitnet.app_support.session.lab import Lab
from digitnet.app_support.views.wording import plain
from digitnet.files.modelfile import load_model, model_bytes
from digitnet.lesson.dataset import ALL_DIGITS, load_dataset
from digitnet.lesson.inspection import answers, batch_gradients, layers, training_batch
from digitnet.lesson.models import build_model
from digitnet.lesson.settings import Settings
from tests.apptest import figures, open_page


def lab_with_run(batches: int | None = None, **settings) -> Lab:
    """A lab with one run trained an epoch, or stopped after `batches` batches."""
    lab = Lab(Settings(epochs=1, seed=0, **settings))
    run = lab.start_run(load_dataset(lab.settings.digits))
    for done, _ in enumerate(run.fit(), 1):
        if done == batches:
            break
    return lab


@pytest.fixture(scope="module")
def mlp_lab():
    """A lab holding one MLP trained one epoch; pages only read it."""
    return lab_with_run()


def weights_page(lab: Lab | None = None) -> AppTest:
    return open_page("weights", lab=lab)


def values(z) -> np.ndarray:
    """A heatmap's z as sent to the browser: plain lists, or plotly's base64 typed arrays."""
    if isinstance(z, dict):
        array = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
        return array.reshape([int(n) for n in z["shape"].split(",")]) if "shape" in z else array
    return np.asarray(z, dtype=float)


def maps(figure) -> list[np.ndarray]:
    return [values(trace["z"]) for trace in figure["data"]]


def test_no_model_yet_points_to_the_train_page():
    at = weights_page()
    assert "No trained model for 2 vs 6 yet" in at.info[0].value
    [link] = at.get("page_link")
    assert link.proto.page == "train"
    assert not at.get("plotly_chart")


def test_a_model_for_other_digits_is_named_not_shown(mlp_lab):
    lab = Lab(mlp_lab.settings.replace(digits=(3, 8)))
    for run in mlp_lab.runs:
        lab.keep(run)
    at = weights_page(lab)
    assert "No trained model for 3 vs 8 yet" in at.info[0].value
    assert "run 1 learned other digits" in at.caption[0].value
    assert [link.proto.page for link in at.get("page_link")] == ["train", "data"]


def test_mlp_filters_layers_and_the_epoch_slider(mlp_lab):
    at = weights_page(mlp_lab)
    run = mlp_lab.runs[0]
    slider = at.select_slider(key="weights_epoch_0")
    assert slider.options == ["start", "epoch 1"] and slider.value == 1
    filters, second, third = figures(at)[:3]
    assert len(filters["data"]) == 40
    assert np.allclose(maps(filters)[5].ravel(), run.model[0].weight[5].detach().numpy(), atol=1e-6)
    assert values(second["data"][0]["z"]).shape == (20, 40)
    assert values(third["data"][0]["z"]).shape == (1, 20)
    slider.set_value(0).run()
    assert not at.exception
    filters = figures(at)[0]
    assert np.allclose(maps(filters)[5].ravel(), run.snapshots[0]["0.weight"][5].numpy(), atol=1e-6)
    assert not np.allclose(maps(filters)[5].ravel(), run.snapshots[1]["0.weight"][5].numpy(), atol=1e-6)


def test_gradients_of_the_chosen_batch_leave_the_model_alone(mlp_lab):
    run = mlp_lab.runs[0]
    before = run.weights()
    at = weights_page(mlp_lab)
    at.number_input(key="gradient_batch_0").set_value(7).run()
    assert not at.exception
    xb, yb = training_batch(run.data, run.settings.bs, 7)
    loss, gradients = batch_gradients(run.model, run.loss_fn, xb, yb)
    assert f"loss **{loss:.4f}**" in " ".join(m.value for m in at.markdown)
    gradient_maps = figures(at)[3]  # after the three weight figures
    assert gradient_maps["data"][0]["colorbar"]["title"]["text"] == "gradient"
    for index in (0, 17):
        assert np.allclose(maps(gradient_maps)[index].ravel(), gradients["0.weight"][index].numpy(), atol=1e-7)
    assert all(torch.equal(p, before[name]) for name, p in run.model.named_parameters())


def test_confusion_cells_show_their_images(mlp_lab):
    run = mlp_lab.runs[0]
    found = answers(run.model, run.data)
    at = weights_page(mlp_lab)
    mistakes = found.mistakes()
    assert f"**{len(mistakes)}** of 1,990 validation images are misclassified" in at.markdown[-1].value
    confusion, images = figures(at)[-2:]
    matrix = values(confusion["data"][0]["z"])
    assert matrix.sum() == 1990
    assert len(images["data"]) == min(len(mistakes), 24)  # every mistake, the surest first
    cell = at.selectbox(key="confusion_cell_0")
    assert cell.value is None
    cell.set_value((0, 0)).run()  # the 2s answered 2
    assert not at.exception
    images = figures(at)[-1]
    shown = found.cell(0, 0)[:24]
    assert len(images["data"]) == 24
    for image, index in zip(maps(images), shown, strict=True):
        assert np.allclose(image.ravel(), run.data.valid_x[index].numpy())
    assert all(note["text"].startswith("2→2 ") for note in images["layout"]["annotations"])
    assert "24 of " in at.caption[-1].value


def test_ten_digit_linear_model_stopped_early():
    at = weights_page(lab_with_run(batches=30, model="linear", digits=ALL_DIGITS))
    assert at.select_slider(key="weights_epoch_0").options == ["start", "now (stopped in epoch 1)"]
    weights = figures(at)[0]
    assert [note["text"] for note in weights["layout"]["annotations"]] == [f"digit {d}" for d in range(10)]
    confusion = figures(at)[-2]
    assert values(confusion["data"][0]["z"]).shape == (10, 10)
    at.selectbox(key="confusion_cell_0").set_value((4, 9)).run()
    assert not at.exception
    assert all(note["text"].startswith("4→9 ") for note in figures(at)[-1]["layout"]["annotations"])


def test_pair_linear_model_shows_one_map_and_the_bias():
    at = weights_page(lab_with_run(model="linear"))
    run = at.session_state.lab.runs[0]
    assert at.metric[0].label == "Bias weight"
    assert at.metric[0].value == f"{run.model.bias.item():+.4f}"
    assert "towards **6** (label 1)" in " ".join(m.value for m in at.markdown)
    weights = figures(at)[0]
    assert np.allclose(maps(weights)[0].ravel(), run.model.weights[:, 0].detach().numpy(), atol=1e-6)


def test_after_training_on_the_train_page():
    at = open_page("train", timeout=120)
    at.slider(key="setting_epochs").set_value(1).run()
    at.button(key="train_button").click().run()
    at.switch_page("pages/weights.py").run()
    assert not at.exception
    assert at.selectbox(key="weights_run").value == 0
    assert at.select_slider(key="weights_epoch_0").options == ["start", "epoch 1"]
    assert len(figures(at)) == 8  # weights: 3, gradients: 3, confusion and its images


def test_a_loaded_model_has_one_set_of_weights_and_the_runs_can_be_switched(mlp_lab):
    run = mlp_lab.runs[0]
    lab = Lab(mlp_lab.settings)
    lab.keep(run)
    lab.add_saved(load_model(model_bytes(run.model, run.settings, run.metrics())), run.data, "mine.safetensors")
    at = weights_page(lab)
    assert at.selectbox(key="weights_run").value == 1  # the latest
    assert "Only the weights as loaded are known for mine.safetensors (uploaded)" in at.caption[0].value
    assert not at.select_slider
    at.selectbox(key="weights_run").set_value(0).run()
    assert not at.exception
    assert at.select_slider(key="weights_epoch_0").options == ["start", "epoch 1"]


def test_models_of_other_digits_are_named_as_typed_not_as_markdown():
    """A file name is the learner's to choose: as Markdown this one drew a picture fetched from
    127.0.0.1:9 and a link that said the session had expired."""
    name = "![x](http:127.0.0.1:9/t) [Session expired](http:127.0.0.1:9/login).safetensors"
    settings = Settings(model="linear", digits=(3, 8)).checked()
    model = build_model("linear", settings.n_outputs, settings.hidden, settings.init)
    lab = Lab(Settings(digits=(2, 6)))
    lab.add_saved(load_model(model_bytes(model, settings, {})), load_dataset((3, 8)), name)
    at = weights_page(lab)
    [caption] = [c.value for c in at.caption if "learned other digits" in c.value]
    assert caption.startswith(f"{plain(name + ' (uploaded)')} learned other digits")


def test_a_wide_net_is_drawn_in_part():
    lab = lab_with_run(batches=3, hidden=(200, 150))
    at = weights_page(lab)
    filters, second, third = figures(at)[:3]
    assert len(filters["data"]) == 64  # of 200 units
    assert "The first 64 of 200 units are drawn." in at.caption[0].value
    assert values(second["data"][0]["z"]).shape == (128, 128)
    assert second["layout"]["title"]["text"] == "layer 2: 200 → 150 (the first 128 rows and columns)"
    assert values(third["data"][0]["z"]).shape == (1, 128)


def test_dead_units_of_a_net_at_every_epoch():
    lab = lab_with_run(opt="sgd", lr=1.0)  # a big rate: units die in the first epoch
    run = lab.runs[0]
    at = weights_page(lab)
    assert not at.exception
    table = next(d.value for d in at.dataframe if "weights at" in d.value.columns)
    assert list(table["weights at"]) == ["start", "epoch 1"]
    for row, snapshot in zip(table.to_dict("records"), run.snapshots.values(), strict=True):
        # the same counts another way: the ReLUs of the real net, run over the validation images
        net = copy.deepcopy(run.model)
        net.load_state_dict(snapshot)
        with torch.no_grad():
            first = torch.relu(net[0](run.data.valid_x))
            second = torch.relu(net[2](first))
        assert row["layer 1 (40 units)"] == int((first == 0).all(dim=0).sum())
        assert row["layer 2 (20 units)"] == int((second == 0).all(dim=0).sum())
    assert table["layer 1 (40 units)"].iloc[-1] > 0
    assert "A unit is dead when its ReLU gives 0 for every validation image" in " ".join(m.value for m in at.markdown)


def test_a_linear_model_has_no_dead_units_section():
    at = weights_page(lab_with_run(model="linear"))
    assert "Dead units" not in [s.value for s in at.subheader]


LARGEST = 3e38  # near float32's largest finite number, 3.4e38: a model file may hold such weights


def lab_with_huge_weights(model: str, digits) -> Lab:
    """A lab holding a loaded model whose every parameter is +3e38 or -3e38: finite, so it loads, but its
    sums overflow to infinity, and its losses and gradients are infinity minus infinity, NaN."""
    settings = Settings(model=model, digits=digits, seed=0).checked()
    net = build_model(model, settings.n_outputs, settings.hidden)
    signs = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.where(torch.rand(p.shape, generator=signs) > 0.5, LARGEST, -LARGEST))
    lab = Lab(settings)
    lab.add_saved(load_model(model_bytes(net, settings, {})), load_dataset(digits), "huge.safetensors")
    return lab


@pytest.mark.parametrize(("model", "digits"), [("linear", (2, 6)), ("mlp", (2, 6)), ("linear", ALL_DIGITS)],
                         ids=["linear-pair", "mlp-pair", "linear-ten"])
def test_a_loaded_model_of_the_largest_finite_weights_is_shown(model, digits):
    lab = lab_with_huge_weights(model, digits)
    at = weights_page(lab)  # it raised nothing
    rows = layers(lab.runs[0].weights())[0].weight  # a row of 784 weights per map drawn
    for shown, row in zip(maps(figures(at)[0]), rows, strict=True):
        assert np.array_equal(shown.ravel(), row.numpy())
    assert figures(at)[0]["data"][0]["zmax"] == pytest.approx(LARGEST)  # the colours span the weights
    said = " ".join(w.value for w in at.warning)
    assert "not a number" in said and "overflow" in said
