"""The Class page's open run: any run on the board, read-only: its curves, its weights, and a
link that trains with its settings. A learner's own digits and unfinished work stay private:
only finished runs are on the board."""

import streamlit as st

from digitnet.app_support.session.work import rebuilt_run
from digitnet.app_support.storage.database import DatabaseUnavailable
from digitnet.app_support.views.wording import plain
from digitnet.lesson.inspection import layers
from pages.parts.live_run import RunView
from pages.parts.weight_views import show_layers
from pages.shared.process import dataset


def open_run(stores, snapshot) -> None:
    st.subheader("Open a run")
    runs = {run.id: run for run in reversed(snapshot.runs)}
    chosen = st.selectbox("Run to open", [None, *runs], key="board_open", placeholder="Choose a run of the board",
                          format_func=lambda i: "none" if i is None else
                          f"{runs[i].name} · {runs[i].described} · accuracy {runs[i].accuracy:.4f}")
    if chosen is None:
        st.caption("Open any run of the board to see its curves and weights, and train with its settings.")
        return
    try:
        saved = stores.saved.open_run(chosen)
    except DatabaseUnavailable as exc:
        st.warning(f"The run cannot be opened right now: {plain(str(exc))}")
        return
    if saved is None:
        st.info("This run is no longer kept: its learner deleted their work, or it finished before runs were saved.")
        return
    run = rebuilt_run(saved, dataset)
    st.markdown(f"**{plain(runs[chosen].name)}**: {run.settings.describe()}, seed {run.settings.seed}, "
                f"{len(run.history)} epochs.")
    RunView().draw(run)
    last = max(run.snapshots)
    st.markdown(f"Its weights {'at the start' if last == 0 else f'after epoch {last}'}:")
    show_layers(layers(run.snapshots[last]), run, "weight")
    st.page_link("pages/train.py", label="Train with these settings", icon=":material/replay:",
                 query_params=run.settings.to_query())
