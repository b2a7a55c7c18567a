"""Data: the images the models learn from, the average digit of each class, and the baseline to beat."""

import streamlit as st

from digitnet.app_support.views.code_view import function_source
from digitnet.app_support.views.figures import confusion_map, pixel_grid, pixel_map
from digitnet.app_support.views.in_words import confusion_in_words, grid_in_words, map_in_words, samples_in_words
from digitnet.files.mnist import class_counts, sample_grid
from digitnet.lesson.baseline import pixel_baseline
from digitnet.lesson.dataset import describe_digits
from digitnet.lesson.inspection import confusion_matrix
from digitnet.lesson.losses import true_labels
from pages.shared.controls import task_picker
from pages.shared.process import dataset
from pages.shared.session import get_lab

SAMPLES_PER_DIGIT = 20


@st.cache_data(show_spinner=False)
def counts_and_samples(digits: tuple[int, ...]):
    """Read from the image files, so kept: the same for every session."""
    return class_counts(digits), sample_grid(digits, SAMPLES_PER_DIGIT)


@st.cache_resource(show_spinner="Averaging the training images...")
def baseline(digits: tuple[int, ...], _data):
    """Depends on the data only, so computed once per task for every session."""
    return pixel_baseline(_data)


def samples(data) -> None:
    st.subheader(f"The images: {describe_digits(data.digits)}")
    counts, grid = counts_and_samples(data.digits)
    st.image(grid, width="stretch", alt=samples_in_words(data.digits, SAMPLES_PER_DIGIT),
             caption=f"The first {SAMPLES_PER_DIGIT} training images of each digit, one row per digit")
    table, text = st.columns(2, gap="medium")
    table.dataframe(
        [
            {"digit": digit, **({"label": index} if data.binary else {}), "training": counts[digit]["train"],
             "validation": counts[digit]["test"]}
            for index, digit in enumerate(data.digits)
        ],
        hide_index=True, width="stretch",
        column_config={"training": st.column_config.NumberColumn(format="localized"),
                       "validation": st.column_config.NumberColumn(format="localized")},
    )
    text.markdown(
        f"{len(data.train_x):,} training and {len(data.valid_x):,} validation images. The models learn from "
        "the training images only; the validation images (MNIST's test set) score them on digits they never saw."
    )


def average_digits(data, means) -> None:
    st.subheader("The average digit")
    st.markdown(
        "Add up every training image of a class and divide by how many there are: the average "
        "digit. Bright pixels are where that digit almost always has ink; grey ones where it sometimes does."
    )
    titles = [f"average {digit}" for digit in data.digits]
    words = grid_in_words(means, titles, "The average digit of each class", diverging=False)
    if data.binary:
        averages, difference = st.columns(2, gap="medium")
        averages.plotly_chart(pixel_grid(means, titles, 2, diverging=False, cell=170), width="stretch", alt=words)
        first, second = data.digits
        title = f"average {second} minus average {first}"
        difference.plotly_chart(pixel_map(means[1] - means[0], title, height=260), width="stretch",
                                alt=map_in_words(means[1] - means[0], title.capitalize(), f"more ink in the {second}s",
                                                 f"more in the {first}s"))
        difference.caption(
            f"Red: more ink in the average {second}; blue: more in the average {first}. "
            "Compare it with the weights a linear model learns, on the Weights page."
        )
    else:
        st.plotly_chart(pixel_grid(means, titles, 5, diverging=False, cell=130), width="stretch", alt=words)


def baseline_section(data, result) -> None:
    st.subheader("The baseline to beat: pixel similarity")
    k = len(data.class_digits)
    per_class = true_labels(data.valid_y).bincount(minlength=k)
    commonest = int(per_class.argmax())
    st.markdown(
        "Before training anything: call each validation image the digit whose average it looks most "
        "like, the one with the smallest **mean absolute difference** of the pixels. Nothing is "
        "learned, so a model has to beat this to be worth training."
    )
    accuracy, chance = st.columns(2)
    accuracy.metric("Baseline accuracy", f"{result.accuracy:.4f}")
    chance.metric(f"Always {data.class_digits[commonest]}", f"{per_class[commonest].item() / len(data.valid_y):.4f}",
                  help="The accuracy of giving the commonest digit as every answer.")
    # a pair's 2x2 table needs half the width; ten digits' needs it all
    matrix, note = st.columns(2, gap="medium", vertical_alignment="center") if data.binary else (st.container(),) * 2
    counts = confusion_matrix(true_labels(data.valid_y), result.predicted, k)
    matrix.plotly_chart(confusion_map(counts, data.class_digits, height=300 if data.binary else 440), width="stretch",
                        alt=confusion_in_words(counts, data.class_digits))
    note.caption("How the baseline answers: a row per actual digit, a column per answer. The diagonal is right.")
    distance, nearest = (function_source("lesson.baseline", name) for name in ("mnist_distance", "nearest_mean"))
    st.caption(f"The baseline's code, from `{distance.path}`:")
    st.code(f"{distance.text}\n\n\n{nearest.text}", language="python", wrap_lines=True)


def main() -> None:
    """The page, in a function: what it loads is freed when the run ends (see server.dataset)."""
    st.title("Data")
    st.markdown(
        "The models learn from real handwritten digits: MNIST, 28x28 pixels each, every pixel a number "
        "from 0 (black) to 1 (white). Choose which digits to tell apart; every page follows this choice."
    )
    task_picker()
    data = dataset(get_lab().settings.digits)
    samples(data)
    result = baseline(data.digits, data)
    average_digits(data, result.means)
    baseline_section(data, result)


main()
