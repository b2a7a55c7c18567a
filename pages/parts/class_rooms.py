"""The Class page's classes: join one with its code (typed, or the link /class?join=CODE), leave it,
start one and teach it: its code for the projector, its private teacher link, its learners, a
setup sent to all of them, closing it. Wrong codes and teacher links are slowed down per tab
and per address (serving/throttle.py) and logged, without what was tried."""

import streamlit as st

from digitnet.app_support.storage.classes import CODE_LENGTH, clean_code
from digitnet.app_support.views.wording import count, plain
from pages.parts.class_teacher import (
    TAUGHT,
    as_teacher,
    board_controls,
    safely,
    send_setup,
    slowed,
    tried_keys,
    wrong,
)
from pages.shared.process import class_days, class_tries
from pages.shared.session import flash, get_lab, keep, kept, show_flashed

LINK = "class_teacher_link"  # the teacher link of the class this tab just started: shown until it is closed


def join(stores, code: str) -> None:
    lab = get_lab()
    if slowed(class_tries(), "class codes", "classes") or lab.work.browser is None:
        return
    found, refused = stores.classes.join(code, lab.work.browser, lab.member, class_days())
    if refused:
        if found is None:
            wrong(class_tries(), "class code")
        flash("classes", f"{refused}.", "error")
        return
    class_tries().forgive(tried_keys()[0])
    keep("board_round", None)
    flash("classes", f"You are in class {found.code}: your finished runs go to its board.", "success")


def teach(stores, secret: str) -> None:
    if slowed(class_tries(), "teacher links", "classes"):
        return
    found = stores.classes.taught_with(secret)
    if found is None:
        wrong(class_tries(), "teacher link")
        flash("classes", "That teacher link is not one of a class here.", "error")
        return
    keep(TAUGHT, kept(TAUGHT, set()) | {found.id})
    flash("classes", f"You teach class {found.code} in this tab.", "success")


def invitation(lab, stores) -> None:
    """The class link this session was opened with, taken once: a code to join, or a teacher link."""
    found, lab.invitation = lab.invitation, {}
    if "join" in found:
        safely(join, "classes")(stores, found["join"])
    if "teach" in found:
        safely(teach, "classes")(stores, found["teach"])


def start(stores) -> None:
    lab = get_lab()
    if lab.work.browser is None:
        flash("classes", "This server keeps no work, so it cannot keep a class either.", "error")
        return
    found, secret = stores.classes.start(lab.work.browser, days=class_days())
    if found is None:
        flash("classes", f"{secret}.", "error")
        return
    keep(TAUGHT, kept(TAUGHT, set()) | {found.id})
    keep(LINK, (found.id, f"{(st.context.url or '').split('?')[0].rstrip('/')}?teach={secret}"))
    keep("board_round", None)


def leave(stores) -> None:
    lab = get_lab()
    stores.classes.put(lab.work.browser, lab.member, None)
    keep("board_round", None)
    flash("classes", "You left the class: your next runs go to the open board.", "info")


def taught(lab, stores) -> list:
    """The classes this tab teaches, newest first: those its browser started and those opened by link."""
    mine = {c.id: c for c in stores.classes.owned_by(lab.work.browser)} if lab.work.browser else {}
    keep(TAUGHT, kept(TAUGHT, set()) | set(mine))
    others = [stores.classes.get(i) for i in kept(TAUGHT, set()) if i not in mine]
    return sorted([*mine.values(), *[c for c in others if c is not None]], key=lambda c: -c.id)


def header(lab, stores):
    """The class this tab shows the board of (an id; None: the open board) and, when it teaches it, the class."""
    invitation(lab, stores)
    teaching = taught(lab, stores)
    show_flashed("classes")
    if teaching:
        chosen = teaching[0]
        if len(teaching) > 1:
            codes = {c.id: f"{c.code}{'' if c.is_open(days=class_days()) else ' (closed)'}" for c in teaching}
            picked = st.selectbox("Class you teach", list(codes), key="class_taught", format_func=codes.get)
            chosen = next(c for c in teaching if c.id == picked)
        code_and_link(chosen)
        return chosen.id, chosen
    classroom = lab.member.classroom
    found = stores.classes.get(classroom) if classroom is not None else None
    if found is not None:
        row = st.container(horizontal=True, vertical_alignment="center")
        row.markdown(f"You are in class **{found.code}**" + ("" if found.is_open(days=class_days()) else
                     ": it has closed, so your next runs go to the open board"))
        row.button("Leave the class", key="class_leave", on_click=safely(leave, "classes"), args=(stores,),
                   icon=":material/logout:")
        return found.id, None
    with st.form("class_join", border=False):
        row = st.container(horizontal=True, vertical_alignment="bottom")
        row.text_input("Class code", key="class_code", max_chars=4 * CODE_LENGTH, placeholder="from your teacher",
                       width=220)
        row.form_submit_button("Join", on_click=lambda: safely(join, "classes")(
            stores, clean_code(st.session_state.class_code)))
    st.button("Start a class", key="class_start", on_click=safely(start, "classes"), args=(stores,),
              icon=":material/add:",
              help="A class of your own: a code to give out, and a board that shows only its runs.")
    return None, None


def close(stores, classroom: int) -> None:
    stores.classes.close(classroom)
    flash("teacher", "The class is closed: its code no longer works. Its board stays here for you.", "info")


def code_and_link(found) -> None:
    """The class's code, big enough for the back of the room, and the private teacher link once."""
    st.markdown(f"## Class code: {found.code}")
    link = kept(LINK)
    if link and link[0] == found.id:
        st.caption("Your private teacher link: it makes any browser the teacher of this class (a second screen, the "
                   "projector). Keep it to yourself; it is shown only in this tab.")
        st.code(link[1], language=None, wrap_lines=True)


@st.fragment
def setup_sender(stores, classroom: int, settings) -> None:
    """Sending a setup redraws only this, not the board: the server's time goes to the learners' pages."""
    st.markdown(f"Send the class your settings from the Train page: {plain(settings.describe())}, "
                f"{count(settings.epochs, 'epoch')}. Each learner sees them on Train and chooses to use them.")
    st.button("Send these settings to the class", key="class_send_setup", icon=":material/send:",
              on_click=as_teacher(send_setup, classroom, "setup"), args=(stores, classroom, settings))
    show_flashed("setup")


def teaching_panel(lab, stores, found, snapshot) -> None:
    """What the teacher of a class has below its board: its learners, a setup to send, the board's
    controls, closing it."""
    learners = stores.classes.learners(found.id)
    show_flashed("teacher")
    if not found.is_open(days=class_days()):
        st.info(f"This class is closed: its code no longer works. {count(learners, 'learner')} joined it.")
        return
    st.caption(f"{count(learners, 'learner')} in the class. Learners join on this page with the code, or by the "
               f"link /class?join={found.code}.")
    with st.expander("For the teacher of this class", icon=":material/school:", expanded=True):
        setup_sender(stores, found.id, lab.settings)
        board_controls(stores.board, snapshot, found.id)
        st.button("Close the class", key="class_close", on_click=as_teacher(close, found.id),
                  args=(stores, found.id), icon=":material/lock:", help="Its code stops working; the board stays.")
