"""Train's "Your teacher suggests": the setup the teacher of the learner's class sent last, with
one button to use it. Nothing changes until the learner clicks (the class is student-paced); each
setup is shown until it is used or put aside. A fragment looks for a new one every POLL_SECONDS."""

import streamlit as st

from digitnet.app_support.storage.database import DatabaseUnavailable
from digitnet.app_support.views.wording import count
from pages.shared.process import database
from pages.shared.session import change_settings, flash, get_lab, keep, kept, show_flashed

POLL_SECONDS = 0.5  # a setup sent shows within this and one run of the fragment: the issue asks 2 s
SEEN = "suggestion_seen"  # (class, number) of the setup this session used or put aside
USED = "suggestion_used"  # set by the click: the fragment then draws the whole page again


def teacher_suggestion() -> None:
    """For a learner in a class: what its teacher suggests, kept up to date."""
    if get_lab().member.classroom is None:
        return
    try:
        stores = database()
    except DatabaseUnavailable:
        return
    suggestion(stores)


@st.fragment(run_every=POLL_SECONDS)
def suggestion(stores) -> None:
    """One query a second for the class's setup, drawn here while new."""
    if st.session_state.pop(USED, False):
        st.rerun()  # the whole page: its settings widgets show the settings used
    classroom = get_lab().member.classroom
    try:
        number, setup = stores.classes.setup(classroom) if classroom is not None else (0, None)
    except DatabaseUnavailable:
        return
    show_flashed("suggestion")
    if setup is None or kept(SEEN) == (classroom, number):
        return
    with st.container(border=True, key="suggestion"):
        st.info(f"Your teacher suggests: {setup.describe()}, {count(setup.epochs, 'epoch')}.",
                icon=":material/school:")
        row = st.container(horizontal=True)
        row.button("Use these settings", key="suggestion_use", type="primary", icon=":material/check:",
                   on_click=use, args=((classroom, number), setup))
        row.button("Not now", key="suggestion_dismiss", on_click=keep, args=(SEEN, (classroom, number)))


def use(seen: tuple[int, int], setup) -> None:
    keep(SEEN, seen)
    if problem := change_settings(**setup.to_dict()):
        flash("suggestion", f"Not used: {problem}.", "error")
    st.session_state[USED] = True
