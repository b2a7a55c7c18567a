"""What the pages say about the learner's saved work: whether it is saved, the limit of runs
kept, and "Forget my work"."""

import streamlit as st

from digitnet.app_support.storage.database import DatabaseUnavailable
from digitnet.app_support.storage.saved_work import MAX_RUNS
from digitnet.app_support.views.wording import count, plain
from pages.shared.process import keep_days
from pages.shared.session import flash, get_lab, show_flashed

POLL_SECONDS = 3  # while writes wait: how often the page looks whether they are written


def saved_status(lab) -> None:
    """One line: saved, not saved yet (the database is away), or not saved at all (no browser key)."""
    work = lab.work
    if not work.saving:
        st.caption("Your work lives in this browser tab only: this server has no database it can use. Download a "
                   "model to keep it.")
        return
    if work.load_failed:
        st.warning(f"Your saved work cannot be loaded right now ({plain(work.load_failed)}): what you make now is "
                   "saved, and the rest comes back after a reload once the database is back.",
                   icon=":material/cloud_off:")
    if work.pending():
        waiting_status(work)
    else:
        saved_line()
    if work.unsaved:
        st.warning(f"You have {MAX_RUNS} saved runs, as many as are kept, so {count(len(work.unsaved), 'newer run')} "
                   "of this tab will not come back after a reload.", icon=":material/inventory:")
        st.button(f"Delete the oldest saved runs to save {count(len(work.unsaved), 'newer one')}", key="make_room",
                  on_click=lambda: work.make_room(len(work.unsaved)))


def saved_line() -> None:
    st.caption(f"Saved as you go: your runs, models, digits and name come back after a reload, in a new tab "
               f"or another day, for {keep_days():g} days after your last visit. Nothing else about you is kept.")


@st.fragment(run_every=POLL_SECONDS)
def waiting_status(work) -> None:
    """While writes wait for the database: how many, looked at again every few seconds, until saved."""
    if waiting := work.pending():
        st.warning(f"Not saved yet: {count(waiting, 'change')} wait for the database, which is away; they are "
                   "written as soon as it is back. Keep this tab open until then.", icon=":material/cloud_off:")
    else:
        saved_line()


def forget_control() -> None:
    """Delete everything saved for this browser, after the learner confirms it."""
    with st.expander("Forget my work", icon=":material/delete_forever:"):
        st.markdown("Delete every run, model, digit and fine-tuning saved for this browser, your name and runs on the "
                    "class board included. It cannot be undone.")
        sure = st.checkbox("Yes, delete all of it", key="forget_sure")
        st.button("Forget my work", key="forget_button", disabled=not sure, on_click=_forget)
        show_flashed("forget")


def _forget() -> None:
    lab = get_lab()
    try:
        with lab.working():
            lab.work.forget()
            lab.stepper = None
    except DatabaseUnavailable as exc:
        flash("forget", f"Not deleted: {exc}. Try again when the database is back.", "error")
        return
    st.session_state["forget_sure"] = False
    flash("forget", "Deleted: nothing of yours is kept any more.", "success")
