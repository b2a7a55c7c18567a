"""My digits: your own handwriting as data. The digits you added on Draw, how each model reads
them, a file to take them home, and a model fine-tuned on them."""

import streamlit as st

from pages.parts.my_digits_views import accuracy_table, files, fine_tune_panel, grid
from pages.shared.controls import task_picker
from pages.shared.session import get_lab


def main() -> None:
    """The page, in a function: what it loads is freed when the run ends (see server.dataset)."""
    lab = get_lab()
    st.title("My digits")
    st.markdown("The digits you drew and labelled on the Draw page: a test set that is your own. Models learn from "
                "MNIST, other people's handwriting; how well do they read yours, and what does a model learn from a "
                "few of your digits?")
    task_picker()
    digits, mine = lab.settings.digits, lab.my_digits
    if len(mine):
        grid(mine, digits)
        accuracy_table(lab, mine, digits)
    else:
        st.info("No digits yet: draw one on the Draw page, then press **Add to my digits** under the answer. "
                "Or load digits you saved before.", icon=":material/draw:")
    files(mine)
    fine_tune_panel(lab, mine, digits)


main()
