"""The models that can answer, as Draw and My digits offer them: the session's runs, and the
default models (loaded once per server process)."""

import streamlit as st

from digitnet.app_support.session.answerers import Answerer, Choice, run_answerer
from digitnet.drawing.defaults import default_model, shipped_path
from digitnet.errors import DigitnetError
from pages.shared.process import dataset


@st.cache_resource(show_spinner="Getting a default model ready (a few seconds, once per server)...")
def cached_default(kind: str, digits: tuple[int, ...]):
    return default_model(kind, digits)


def answerer(choice: Choice, digits) -> Answerer:
    """The model of a choice, with what the page says of it; stops the page when a default cannot be had."""
    if choice.run is not None:
        return run_answerer(choice.run)
    if shipped_path(choice.kind, digits).exists():
        origin = "ships with the app"
    else:
        dataset(digits)  # it is trained from MNIST: load it the app's way, with a clear message if it cannot be
        origin = "trained on this server the first time it was asked for"
    try:
        saved = cached_default(choice.kind, digits)
    except DigitnetError as exc:
        st.error(f"The default model cannot be loaded: {exc}")
        st.stop()
    return Answerer(saved.model, saved.settings, saved.metrics["accuracy"], origin, saved.metrics)
