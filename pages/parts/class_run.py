"""The Class page's open run: any run on the board, read-only: its curves, its weights, and a
link that trains with its settings. A learner's own digits and unfinished work stay private:
only finished runs are on the board."""

import streamlit as st

from digitnet.app_support.session.work import rebuilt_run
from digitnet.app_support.storage.database import DatabaseUnavailable
from digitnet.app_support.views.wording import plain
from digitnet.lesson.inspection import layers
from pages.parts.class_teacher import as_teacher, send_setup
from pages.parts.live_run import RunView
from pages.parts.weight_views import show_layers
from pages.shared.process import dataset
from pages.shared.session import keep, kept

PROJECTOR = "class_projector"  # the run a class's teacher shows alone, for the projector


def open_run(stores, snapshot, taught: int | None = None) -> None:
    """A run of the board, chosen; for the teacher of class `taught`, the projector and sending its settings."""
    st.subheader("Open a run")
    runs = {run.id: run for run in reversed(snapshot.runs)}
    chosen = st.selectbox("Run to open", [None, *runs], key="board_open", placeholder="Choose a run of the board",
                          format_func=lambda i: "none" if i is None else
                          f"{runs[i].name} · {runs[i].described} · accuracy {runs[i].accuracy:.4f}")
    if chosen is None:
        st.caption("Open any run of the board to see its curves and weights, and train with its settings.")
        return
    if (run := show_run(stores, chosen, runs[chosen].name)) is None:
        return
    st.page_link("pages/train.py", label="Train with these settings", icon=":material/replay:",
                 query_params=run.settings.to_query())
    if taught is not None:
        row = st.container(horizontal=True)
        row.button("Show it alone, for the projector", key="class_projector_button", icon=":material/fit_screen:",
                   on_click=keep, args=(PROJECTOR, (chosen, runs[chosen].name)))
        row.button("Send its settings to the class", key="class_send_run", icon=":material/send:",
                   on_click=as_teacher(send_setup, taught), args=(stores, taught, run.settings.replace(seed=None)))


def projector(stores) -> bool:
    """The run the teacher chose, alone on the page, with a way back; whether there was one."""
    if (shown := kept(PROJECTOR)) is None:
        return False
    st.button("Back to the board", key="class_projector_back", on_click=keep, args=(PROJECTOR, None),
              icon=":material/arrow_back:")
    show_run(stores, *shown)
    return True


def show_run(stores, run_id: str, name: str):
    """A saved run's curves and weights, read-only; the run, or None (said why) when it cannot be had."""
    try:
        saved = stores.saved.open_run(run_id)
    except DatabaseUnavailable as exc:
        st.warning(f"The run cannot be opened right now: {plain(str(exc))}")
        return None
    if saved is None:
        st.info("This run is no longer kept: its learner deleted their work, or it finished before runs were saved.")
        return None
    run = rebuilt_run(saved, dataset)
    st.markdown(f"**{plain(name)}**: {run.settings.describe()}, seed {run.settings.seed}, {len(run.history)} epochs.")
    RunView().draw(run)
    last = max(run.snapshots)
    st.markdown(f"Its weights {'at the start' if last == 0 else f'after epoch {last}'}:")
    show_layers(layers(run.snapshots[last]), run, "weight")
    return run
