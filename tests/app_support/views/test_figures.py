import numpy as np
import pytest

from digitnet.app_support.views.figures import (
    Panel,
    Series,
    confusion_map,
    curves,
    heatmap,
    pixel_grid,
    pixel_map,
    probability_bars,
)


def rgb(colour: str) -> tuple[int, ...]:
    return tuple(int(part) for part in colour.removeprefix("rgb(").removesuffix(")").split(","))


def test_heatmap_centres_white_on_zero():
    values = np.array([[-1.0, 0.5], [3.0, 0.0]])
    [trace] = heatmap(values).data
    assert (trace.zmin, trace.zmid, trace.zmax) == (-3.0, 0, 3.0)
    lowest, middle, highest = (rgb(trace.colorscale[i][1]) for i in (0, len(trace.colorscale) // 2, -1))
    assert lowest[2] > lowest[0] and highest[0] > highest[2]  # blue below zero, red above
    assert min(middle) > 220  # near white at zero
    assert np.array_equal(trace.z, values)


def test_pixel_map_is_a_28x28_picture():
    values = np.linspace(-2, 1, 784)
    [trace] = pixel_map(values).data
    assert np.asarray(trace.z).shape == (28, 28)
    assert np.array_equal(np.asarray(trace.z)[1], values[28:56])  # row by row, as the image is stored
    assert (trace.zmin, trace.zmax) == (-2.0, 2.0)



def test_a_heatmap_of_numbers_that_overflowed_spans_its_finite_ones():
    """The gradients of a model whose sums overflow hold NaN and infinities; the colours span the rest."""
    [trace] = heatmap(np.array([[np.nan, -np.inf], [3e38, -1.0]])).data
    assert (trace.zmin, trace.zmax) == (-3e38, 3e38)
    [trace] = heatmap(np.full((2, 2), np.nan)).data
    assert (trace.zmin, trace.zmax) == (-1.0, 1.0)


def axis_key(name: str, letter: str) -> str:
    return name.replace(letter, f"{letter}axis")


def test_pixel_grid_one_map_per_row_on_a_shared_centred_scale():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(40, 784))
    rows[7, 3] = -9.0  # the largest size anywhere sets every map's scale
    figure = pixel_grid(rows, [f"unit {i}" for i in range(1, 41)], 8, colorbar="weight")
    assert len(figure.data) == 40
    for row, trace in zip(rows, figure.data, strict=True):
        assert np.asarray(trace.z).shape == (28, 28)
        assert np.allclose(np.asarray(trace.z).ravel(), row, atol=1e-6)  # stored as float32
        assert (trace.zmin, trace.zmid, trace.zmax) == (-9.0, 0, 9.0)
        assert trace.colorscale == figure.data[0].colorscale
    assert [trace.showscale for trace in figure.data] == [True] + [False] * 39  # one colour bar explains all
    assert [note.text for note in figure.layout.annotations] == [f"unit {i}" for i in range(1, 41)]


def test_pixel_grid_lays_maps_out_in_lines_without_overlap():
    figure = pixel_grid(np.zeros((10, 784)), [str(i) for i in range(10)], 4)
    boxes = []
    for trace in figure.data:
        x_axis = figure.layout[axis_key(trace.xaxis, "x")]
        y_axis = figure.layout[axis_key(trace.yaxis, "y")]
        assert y_axis.scaleanchor == trace.xaxis  # square pixels, each map on its own axes
        assert y_axis.autorange == "reversed"  # row 0 at the top, as in the image
        boxes.append((*x_axis.domain, *y_axis.domain))
    tops = sorted({round(box[3], 6) for box in boxes}, reverse=True)
    assert len(tops) == 3  # 4 + 4 + 2
    for i, a in enumerate(boxes):
        assert 0 <= a[0] < a[1] <= 1 and 0 <= a[2] < a[3] <= 1
        for b in boxes[i + 1 :]:
            assert a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2]
    assert figure.layout.height > pixel_grid(np.zeros((4, 784)), list("abcd"), 4).layout.height


def test_pixel_grid_of_images_runs_black_to_white_without_colour_bar():
    images = np.random.default_rng(1).uniform(0, 0.8, size=(3, 784))
    figure = pixel_grid(images, ["a", "b", "c"], 5, diverging=False)
    for trace in figure.data:
        assert (trace.zmin, trace.zmax) == (0, 1.0)
        assert trace.zmid is None
        assert trace.colorscale != pixel_grid(images, ["a", "b", "c"], 5).data[0].colorscale
        assert not trace.showscale


def test_pixel_grid_needs_a_title_per_map():
    with pytest.raises(ValueError):
        pixel_grid(np.zeros((3, 784)), ["only one"], 3)


def test_confusion_map_shows_counts_actual_down_answered_across():
    matrix = np.array([[895, 137], [15, 943]])
    [trace] = confusion_map(matrix, (2, 6)).data
    assert np.array_equal(trace.z, matrix)
    assert np.array_equal(trace.text, matrix)
    assert list(trace.x) == ["2", "6"] and list(trace.y) == ["2", "6"]
    figure = confusion_map(matrix, (2, 6))
    assert figure.layout.yaxis.title.text == "actual" and figure.layout.xaxis.title.text == "answered"
    assert figure.layout.yaxis.autorange == "reversed"  # the first digit's row on top


def test_curves_stack_panels_and_keep_each_name_one_colour():
    panels = [
        Panel("loss", [Series("lr 1", [1, 2], [0.5, 0.3]), Series("lr 10", [1, 2], [0.9, 0.8], faint=True)], log=True),
        Panel("accuracy", [Series("lr 1", [1, 2], [0.8, 0.9], staircase=True)]),
    ]
    figure = curves(panels, "epoch", height=200)
    traces = figure.data
    assert [t.name for t in traces] == ["lr 1", "lr 10", "lr 1"]
    assert traces[0].line.color == traces[2].line.color != traces[1].line.color
    assert [t.showlegend for t in traces] == [True, True, False]  # one legend entry per name
    assert traces[1].opacity < 1 and traces[2].line.shape == "hv"
    assert figure.layout.yaxis.type == "log" and figure.layout.yaxis2.type == "linear"
    assert figure.layout.xaxis2.title.text == "epoch" and figure.layout.height == 2 * 200 + 40


def test_probability_bars_highlight_the_answer_and_stay_empty_without_one():
    answered = probability_bars({2: 0.2, 6: 0.8}).data[0]
    assert list(answered.y) == [0.2, 0.8] and list(answered.text) == ["20.0%", "80.0%"]
    assert answered.marker.color[1] != answered.marker.color[0]
    empty = probability_bars({2: 0.0, 6: 0.0}).data[0]
    assert list(empty.text) == ["", ""] and empty.marker.color[0] == empty.marker.color[1]
