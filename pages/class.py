"""Class: every finished run of everyone on this deployment, on one chart that updates by itself."""

from datetime import datetime

import streamlit as st

from digitnet.app_support.storage.board import BEST, NICKNAME_LENGTH, clean_nickname, nickname_refused
from digitnet.app_support.storage.database import DatabaseUnavailable
from digitnet.app_support.views.charts import board_rows, board_spec
from digitnet.app_support.views.in_words import board_in_words
from digitnet.app_support.views.wording import as_cell, count, plain
from digitnet.lesson.settings import MODEL_NAMES
from pages.parts.class_rooms import header, teaching_panel
from pages.parts.class_run import open_run, projector
from pages.parts.class_teacher import teacher_panel
from pages.shared.process import database
from pages.shared.session import flash, get_lab, keep, kept, remembered, show_flashed

POLL_SECONDS = 1.0  # a run finished anywhere shows within this, plus one run of the page
DRAWN = "board_drawn"  # the board's version this page last drew (None: it was unavailable)
FRESH = "board_fresh"  # set by the page's run: the watch that runs inside it has nothing to check


def take_nickname(lab, typed: str) -> None:
    """The nickname typed, clean, unless it reads as another learner's; the field shows the one kept."""
    nickname = clean_nickname(typed)
    if refused := nickname_refused(nickname):
        flash("nickname", f"{refused}.")
        return
    if typed.strip() and not nickname:
        flash("nickname", "Nothing of that nickname can be seen, so your runs appear as your number.", "info")
    lab.work.set_nickname(nickname)


def nickname(lab, stores) -> None:
    member = lab.member
    remembered(st.text_input, "Your name on the board", "nickname", load=lambda: member.nickname,
               store=lambda text: take_nickname(lab, text), max_chars=NICKNAME_LENGTH,
               placeholder="a nickname, or stay anonymous",
               help=f"Up to {NICKNAME_LENGTH} characters, shown as you type them. Your next runs carry it.")
    try:
        if member.number is None:
            stores.board.number(member)
            lab.work.save_member()
    except DatabaseUnavailable:
        pass  # a number comes with the board
    st.caption(f"Your runs appear as **{plain(member.name)}**. Nothing else about you is kept: "
               "no address, nothing about your browser.")
    show_flashed("nickname")


def round_picker(snapshot) -> None:
    """Earlier rounds stay in the database: anyone can look at one again."""
    newest = snapshot.rounds[-1].id

    def label(round_id: int) -> str:
        started = next(r.started for r in snapshot.rounds if r.id == round_id)
        since = f", from {datetime.fromtimestamp(started):%d %b %H:%M}" if started else ""
        return f"round {round_id}{' (now)' if round_id == newest else ''}{since}"

    remembered(st.selectbox, "Round", "board_round_choice", load=lambda: snapshot.shown.id,
               store=lambda value: keep("board_round", None if value == newest else value),
               options=[r.id for r in reversed(snapshot.rounds)], format_func=label)


def table(runs, mine: int | None) -> None:
    rows = [
        {"yours": "★" if run.learner == mine else "", "who": as_cell(run.name), "accuracy": run.accuracy,
         "learning rate": run.lr, "batch size": run.bs, "epochs": run.epochs, "model": MODEL_NAMES[run.model],
         "digits": run.digits, "settings": run.described, "seed": run.seed, "status": run.status,
         "finished": f"{datetime.fromtimestamp(run.finished):%H:%M}"}
        for run in sorted(runs, key=lambda run: -run.accuracy)
    ]
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "accuracy": st.column_config.NumberColumn(format="%.4f"),
        "learning rate": st.column_config.NumberColumn(format="%g"),
        "seed": st.column_config.NumberColumn(format="%d"),
    })


def board(lab, stores, classroom: int | None):
    """The chart and the table of the round shown of a class's board (None: the open board's); the
    snapshot drawn, or None."""
    mine = lab.member.number
    try:
        snapshot = stores.board.snapshot(kept("board_round"), mine, classroom=classroom)
    except DatabaseUnavailable as exc:
        keep(DRAWN, None)
        st.warning("The class board is unavailable right now: its database cannot be reached. Training and "
                   "drawing work as usual, and your runs are recorded as soon as it is back.",
                   icon=":material/cloud_off:")
        st.caption(plain(str(exc)))
        return None
    keep(DRAWN, snapshot.version)
    stores.outbox.retry_now()  # it answers: runs that wait for it need not wait out their pause
    if len(snapshot.rounds) > 1:
        round_picker(snapshot)
    st.markdown(f"Runs in this class: {snapshot.total}")
    if len(snapshot.runs) < snapshot.total:
        st.caption(f"The chart and the table show the {BEST} most accurate runs of the {snapshot.total:,}, and "
                   "every one of yours.")
    st.vega_lite_chart(board_rows(snapshot.runs, mine), board_spec(), width="stretch",
                       alt=board_in_words(snapshot.runs, mine))
    if snapshot.runs:
        st.caption("Your runs are the large outlined points. Hover over a point for its settings.")
        table(snapshot.runs, mine)
    else:
        st.caption("No runs yet in this round: train one on the Train page and it appears here, "
                   "with everyone else's.")
    return snapshot


@st.fragment(run_every=POLL_SECONDS)
def watch(stores, classroom: int | None) -> None:
    """Every POLL_SECONDS, one query for the board's version; the page is drawn again only when
    it moved (a run recorded or hidden, a new round) or the board came back or went away."""
    if kept(FRESH):
        keep(FRESH, False)
        return
    try:
        version = stores.board.version(classroom)
    except DatabaseUnavailable:
        version = None
    if version != kept(DRAWN):
        st.rerun()


lab = get_lab()
st.title("Class")
try:
    stores = database()
except DatabaseUnavailable as exc:
    st.warning(f"There is no class board on this server: {plain(str(exc))}")
    st.stop()
try:
    classroom, teaching = header(lab, stores)
except DatabaseUnavailable:  # the board below says so
    classroom, teaching = lab.member.classroom, None
if teaching is not None and projector(stores):
    st.stop()
st.markdown("Every run that anyone in this class finished, on one chart: which learning rates worked, for which "
            "model and batch size? The board updates by itself when a run finishes anywhere."
            + ("" if classroom is not None else " This is the open board: join a class for your class's own."))
nickname(lab, stores)
if (outbox := stores.outbox).trouble and outbox.pending():
    st.warning(f"The class board is unavailable for recording runs right now: {plain(outbox.trouble)}. "
               f"Runs wait here and are recorded as soon as it is back ({count(outbox.pending(lab.member), 'run')} "
               "of yours).", icon=":material/cloud_off:")
snapshot = board(lab, stores, classroom)
keep(FRESH, True)
watch(stores, classroom)
if snapshot is not None and snapshot.runs:
    open_run(stores, snapshot, classroom if teaching is not None else None)
if teaching is not None:
    teaching_panel(lab, stores, teaching, snapshot)
elif classroom is None:
    teacher_panel(stores.board, snapshot)
