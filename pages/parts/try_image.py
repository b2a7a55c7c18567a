"""The Draw page's "Try a test image": an MNIST validation image, or one of the learner's own digits,
for the model to answer as it answers a drawing. Chosen by number, so the keyboard alone does it."""

import numpy as np
import streamlit as st
from PIL import Image

from digitnet.app_support.views.in_words import image_in_words
from digitnet.lesson.losses import true_labels
from pages.shared.process import dataset

VALIDATION = "MNIST validation images"
MINE = "My digits"


def test_image(lab, digits, side: int):
    """The (28, 28) image in [0, 1] chosen, shown `side` pixels wide with its true digit."""
    mine = lab.my_digits.of_task(digits)
    sources = [VALIDATION, MINE] if mine else [VALIDATION]
    source = st.radio("Test images", sources, horizontal=True, key="test_source",
                      help="My digits are those you added on this page, of the digits chosen now.")
    if source == MINE:
        number = st.number_input(f"Your digit (1 to {len(mine)})", 1, len(mine), 1, key="test_mine")
        index = mine[int(number) - 1]
        image, digit = lab.my_digits.images[index].astype(np.float32) / 255, lab.my_digits.labels[index]
        name = f"Your digit {int(number)} of {len(mine)}"
    else:
        data = dataset(digits)
        n = len(data.valid_x)
        number = st.number_input(f"Validation image (1 to {n:,})", 1, n, 1, key="test_number",
                                 help=f"MNIST's test set, which no model here trains on: its "
                                      f"{' and '.join(f'{d}s' for d in data.class_digits)}, in that order.")
        image = data.valid_x[int(number) - 1].reshape(28, 28).numpy()
        digit = data.class_digits[int(true_labels(data.valid_y)[int(number) - 1])]
        name = f"Validation image {int(number):,} of {n:,}"
    picture = Image.fromarray(np.round(image * 255).astype(np.uint8)).resize((side, side), Image.Resampling.NEAREST)
    st.image(picture, caption=f"{name}: a {digit}", alt=image_in_words(image, f"{name}, a {digit}"))
    return image
