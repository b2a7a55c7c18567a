"""The Data page through Streamlit's AppTest: samples, counts, average digits, the baseline, the task."""


from streamlit.testing.v1 import AppTest

from digitnet.lesson.baseline import pixel_baseline
from digitnet.lesson.dataset import ALL_DIGITS, load_dataset
from tests.apptest import figures, open_page


def data_page(query: dict | None = None) -> AppTest:
    return open_page("data", query)


def metric(at, label: str) -> str:
    [found] = [m for m in at.metric if m.label == label]
    return found.value


def test_pair_shows_counts_averages_and_the_baseline():
    at = data_page()
    counts = at.dataframe[0].value
    assert list(counts["digit"]) == [2, 6]
    assert list(counts["label"]) == [0, 1]  # 6 is the digit the model's output says "yes" to
    assert list(counts["training"]) == [5958, 5918]
    assert list(counts["validation"]) == [1032, 958]
    assert at.subheader[0].value == "The images: 2 vs 6"
    [samples] = at.get("image")
    assert samples.proto.imgs[0].caption == "The first 20 training images of each digit, one row per digit"
    assert metric(at, "Baseline accuracy") == f"{pixel_baseline(load_dataset((2, 6))).accuracy:.4f}"
    assert metric(at, "Always 2") == f"{1032 / 1990:.4f}"
    averages, difference, confusion = figures(at)
    assert [note["text"] for note in averages["layout"]["annotations"]] == ["average 2", "average 6"]
    assert difference["data"][0]["zmid"] == 0
    assert confusion["data"][0]["x"] == ["2", "6"]
    assert "def mnist_distance" in at.code[0].value


def test_all_ten_digits():
    at = data_page()
    at.toggle(key="task_ten").set_value(True).run()
    assert not at.exception
    assert at.session_state.lab.settings.digits == ALL_DIGITS
    assert at.subheader[0].value == "The images: all ten digits"
    assert list(at.dataframe[0].value["digit"]) == list(range(10))
    assert "label" not in at.dataframe[0].value.columns  # each digit is its own label
    assert sum(at.dataframe[0].value["validation"]) == 10_000
    assert metric(at, "Baseline accuracy") == f"{pixel_baseline(load_dataset(ALL_DIGITS)).accuracy:.4f}"
    averages, confusion = figures(at)  # no difference map for ten digits
    assert len(averages["data"]) == 10
    assert confusion["data"][0]["y"] == [str(d) for d in range(10)]


def test_another_pair_is_followed_by_the_page_and_the_lab():
    at = data_page({"digits": "3-8"})
    assert at.subheader[0].value == "The images: 3 vs 8"
    at.selectbox(key="task_b").set_value(5).run()
    assert not at.exception
    assert at.session_state.lab.settings.digits == (3, 5)
    assert list(at.dataframe[0].value["digit"]) == [3, 5]
    assert metric(at, "Baseline accuracy") == f"{pixel_baseline(load_dataset((3, 5))).accuracy:.4f}"


def test_the_same_digit_twice_is_refused_and_the_page_keeps_working():
    at = data_page()
    at.selectbox(key="task_b").set_value(2).run()
    assert not at.exception
    assert at.warning and "different" in at.warning[0].value
    assert at.session_state.lab.settings.digits == (2, 6)
    assert list(at.dataframe[0].value["digit"]) == [2, 6]
