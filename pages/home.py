"""Home: what the lab is, the six steps, the dataset at a glance, and the code that trains."""

import streamlit as st

from digitnet.app_support.views.code_view import code_html, function_source
from digitnet.app_support.views.in_words import samples_in_words
from digitnet.files.mnist import class_counts, sample_grid
from digitnet.lesson.dataset import describe_digits, is_pair
from pages.shared.session import get_lab

STEPS = [
    ("Initialise", "Start every weight at a small random number.", "pages/step.py", "Step through"),
    ("Predict", "Run the images through the model: a number per image.", "pages/draw.py", "Draw a digit"),
    ("Loss", "Score the predictions: lower is better, and it changes smoothly.", "pages/experiments.py",
     "Why not accuracy?"),
    ("Gradients", "Ask autograd how the loss changes with every weight.", "pages/weights.py", "See gradients"),
    ("Step", "Move every weight a little against its gradient: lr times the gradient.", "pages/step.py",
     "Step through"),
    ("Repeat", "Do it again on the next mini-batch, epoch after epoch.", "pages/train.py", "Watch it learn"),
]

st.title("digitnet: how a neural net learns")
st.markdown(
    "A lab for the classic lesson: teach a model to tell handwritten digits apart, using real "
    "MNIST images, and watch every step it takes. Train a **linear model written from scratch** "
    "or a **three-layer net**, see the weights it learns, then draw a digit and ask it."
)

steps, code = st.columns([5, 4], gap="medium")
with steps:
    st.subheader("The six steps")
    for number, (name, text, page, link) in enumerate(STEPS, 1):
        st.markdown(f"**{number}. {name}**: {text}")
        st.page_link(page, label=link, icon=":material/arrow_forward:")
with code:
    st.subheader("The code that runs")
    train_batch = function_source("lesson.steps", "train_batch")
    st.caption(f"Steps 2 to 5 on one mini-batch, from `{train_batch.path}`; the training loop repeats it.")
    st.markdown(code_html(train_batch.text), unsafe_allow_html=True)
    st.caption("Each step is a function of its own, which every part of the app calls:")
    shown = "\n\n".join(function_source("lesson.steps", name).text for name in ("predict", "loss", "gradients", "step"))
    st.markdown(code_html(shown), unsafe_allow_html=True)

digits = get_lab().settings.digits
st.subheader(f"The data: {describe_digits(digits)}")
counts = class_counts(digits)
columns = st.columns(len(digits) if is_pair(digits) else 5)
for index, digit in enumerate(digits):
    label = f"label {index}" if is_pair(digits) else ""
    columns[index % len(columns)].metric(
        f"Digit {digit} {label}", f"{counts[digit]['train']:,} training", f"{counts[digit]['test']:,} validation",
        delta_color="off",
    )
SAMPLES = 8  # images of each digit
st.image(sample_grid(digits, SAMPLES), caption="The first training images of each class", width=480,
         alt=samples_in_words(digits, SAMPLES))
st.caption("MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0.")
