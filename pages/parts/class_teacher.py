"""The Class page's controls for a teacher: a new round, hiding runs. A class's teacher has them
for its board (class_rooms.py); the deployment's teacher key unlocks them for the open board, for
one browser tab. Without the key nobody can clear or hide anything of the open board."""

import logging
import math
import os
import secrets
import time
from datetime import datetime

import streamlit as st

from digitnet.app_support.storage.database import DatabaseUnavailable
from digitnet.app_support.storage.teacher import KEY_NAME, configured_key, key_matches
from digitnet.app_support.views.wording import count
from pages.shared.process import teacher_key_tries
from pages.shared.session import flash, keep, kept, show_flashed

UNLOCKED = "teacher_unlocked"  # the open board's controls, unlocked with the deployment's teacher key
TAUGHT = "classes_taught"  # ids of the classes this tab teaches
TAB = "teacher_tab"  # this browser session's name among the tries


def teacher_key() -> str | None:
    try:
        secrets = {KEY_NAME: st.secrets[KEY_NAME]} if KEY_NAME in st.secrets else {}
    except FileNotFoundError:  # no secrets file: only the environment can set the key
        secrets = {}
    return configured_key(os.environ, secrets)


def tried_keys() -> tuple[str, str]:
    """Whose wrong tries a try counts as: this browser tab's and its client address's."""
    # Streamlit gives no address for 127.0.0.1, where a local proxy's clients all come from: one count for them.
    return f"tab {st.session_state.setdefault(TAB, secrets.token_hex(8))}", f"address {st.context.ip_address or 'here'}"


def slowed(tries, what: str, place: str) -> bool:
    """True, and the page says so at `place`, while this tab or its address may not try again yet."""
    if wait := tries.wait(*tried_keys()):
        flash(place, f"Too many wrong {what}: try again in {math.ceil(wait)} s.", "error")
        return True
    return False


def wrong(tries, what: str) -> None:
    """Count a wrong try and log it, with the address and never what was typed."""
    in_a_row = tries.failed(*tried_keys())
    logging.getLogger(__name__).warning("a wrong %s from %s (%d in a row)", what, tried_keys()[1], in_a_row)


def safely(action, place: str):
    """The action, said so at `place` when the database cannot do it rather than failing."""

    def done(*args) -> None:
        try:
            action(*args)
        except DatabaseUnavailable as exc:
            flash(place, f"Not done: {exc}. Try again when the database is back.", "error")

    return done


def unlock() -> None:
    """Check the key typed, unless this tab or its address has tried too many wrong ones lately
    (serving/throttle.py); a wrong one is logged, without what was typed."""
    entered = st.session_state.get("teacher_key_entered", "")
    st.session_state["teacher_key_entered"] = ""  # the key does not stay in the field
    if slowed(tries := teacher_key_tries(), "keys", "teacher"):
        return
    key = teacher_key()
    if key is not None and key_matches(entered, key):
        tries.forgive(tried_keys()[0])
        keep(UNLOCKED, True)
        flash("teacher", "Unlocked in this browser tab.", "success")
        return
    wrong(tries, "teacher key")
    flash("teacher", "That is not the teacher key: nothing is unlocked.", "error")


def may_teach(classroom: int | None) -> bool:
    """Whether this tab teaches the board of `classroom`: a class it started or opened with its teacher
    link (TAUGHT), or the open board once unlocked with the deployment's teacher key."""
    return bool(kept(UNLOCKED)) if classroom is None else classroom in kept(TAUGHT, set())


def as_teacher(action, classroom: int | None, place: str = "teacher"):
    """The action, done only in a tab that teaches that board, whatever sent the click; what went
    wrong said at `place`."""

    def guarded(*args) -> None:
        if not may_teach(classroom):
            flash(place, "Only the teacher can do that.", "error")
            return
        safely(action, place)(*args)

    return guarded


def new_round(board, classroom: int | None) -> None:
    number = board.new_round(time.time(), classroom)
    keep("board_round", None)
    flash("teacher", f"Round {number} has begun: the board is empty for everyone. Earlier rounds stay and can "
                     "be shown again from the Round list.", "success")


def hide(board, classroom: int | None) -> None:
    hidden = board.hide(st.session_state.get("teacher_hide") or [], classroom)
    flash("teacher", f"Hidden from the board: {count(hidden, 'run')}.", "success")


def hide_name(board, round_id: int, names: dict, classroom: int | None) -> None:
    if (chosen := st.session_state.get("teacher_hide_name")) is None:
        flash("teacher", "Choose a name to hide first.", "info")
        return
    hidden = board.hide_name(round_id, *chosen, classroom=classroom)
    flash("teacher", f"Hidden from the board: {count(hidden, 'run')} of {names.get(chosen, 'that name')}.", "success")


def name_hider(board, round_id: int, classroom: int | None) -> None:
    """Every run of one name at once: a learner who floods the board, say."""
    try:
        names = {(name.nickname, name.learner): name for name in board.names(round_id)}
    except DatabaseUnavailable:
        return
    shown = {key: name.shown for key, name in names.items()}
    labels = {key: f"{name.shown} · {count(name.runs, 'run')}" for key, name in names.items()}
    row = st.container(horizontal=True, vertical_alignment="bottom")
    row.selectbox("Hide every run of", list(names), index=None, placeholder="a name on the board",
                  key="teacher_hide_name", format_func=labels.get)
    row.button("Hide them all", key="teacher_hide_name_button", on_click=as_teacher(hide_name, classroom),
               args=(board, round_id, shown, classroom), icon=":material/visibility_off:")


def send_setup(stores, classroom: int, settings) -> None:
    stores.classes.send_setup(classroom, settings)
    flash("setup", f"Sent to the class: {settings.describe()}, {count(settings.epochs, 'epoch')}.", "success")


def board_controls(board, snapshot, classroom: int | None) -> None:
    """What a teacher does to a board: a new round, hiding runs of the round shown, or every run of a name."""
    st.button("Start a new round", key="teacher_new_round", on_click=as_teacher(new_round, classroom),
              args=(board, classroom), icon=":material/restart_alt:",
              help="The board starts empty for everyone; earlier rounds stay in the database.")
    if snapshot is not None and snapshot.runs:
        labels = {run.id: f"{run.name} · lr {run.lr:g} · {run.accuracy:.4f} · "
                          f"{datetime.fromtimestamp(run.finished):%H:%M}" for run in snapshot.runs}
        st.multiselect("Runs to hide (a rude nickname, say)", options=list(labels), format_func=labels.get,
                       key="teacher_hide")
        st.button("Hide them", key="teacher_hide_button", on_click=as_teacher(hide, classroom),
                  args=(board, classroom), icon=":material/visibility_off:")
        name_hider(board, snapshot.shown.id, classroom)


def teacher_panel(board, snapshot) -> None:
    """For the open board: the deployment's teacher key, or once unlocked, the board's controls and locking again."""
    with st.expander("For the teacher of the open board", icon=":material/school:"):
        if teacher_key() is None:
            st.caption(f"No teacher key is set on this server, so nobody can start a new round of the open board or "
                       f"hide a run of it. Set {KEY_NAME} in the environment or in Streamlit's secrets. A teacher "
                       "who starts a class above has a board of their own.")
            return
        show_flashed("teacher")
        if not kept(UNLOCKED):
            with st.form("teacher_unlock", border=False):
                st.text_input("Teacher key", type="password", key="teacher_key_entered")
                st.form_submit_button("Unlock", on_click=unlock)
            return
        board_controls(board, snapshot, None)
        st.button("Lock", key="teacher_lock", on_click=lambda: keep(UNLOCKED, False), icon=":material/lock:")
