"""This browser session's state, kept in one place: its Lab (settings, runs, the stepper),
one-shot messages, and widget values that outlive a switch of page."""

from urllib.parse import urlparse

import streamlit as st

from digitnet.app_support.serving.replica import SESSION_COOKIE, moved_message, own_name
from digitnet.app_support.session.lab import Lab
from digitnet.app_support.views.wording import plain
from digitnet.errors import DigitnetError
from digitnet.lesson.settings import Settings
from pages.shared.browser_key import browser
from pages.shared.process import work_of

KEPT = "kept"  # widget key -> value, for widgets whose value outlives the page
INVITATIONS = ("join", "teach")  # a class link's parameters: a code to join, a teacher's secret


def start() -> Lab:
    """Run by app.py: this session's Lab, created on its first run with the URL's settings and
    the browser's saved work (browser_key.py, process.work_of). A browser whose earlier session
    lived in an app process that has since stopped is told what came back (serving/replica.py)."""
    known = browser()
    if "lab" not in st.session_state:
        settings, problems = Settings.from_query(st.query_params.to_dict())
        st.session_state.lab = Lab(settings, work_of(known))
        # A class's link (classes.py): taken before sync_url gives the address the settings alone.
        st.session_state.lab.invitation = {k: v for k in INVITATIONS if (v := st.query_params.get(k))}
        if moved := moved_message(st.context.cookies.get(SESSION_COOKIE), own_name(), st.session_state.lab.work.saving):
            flash("link", moved)
        for problem in problems:
            flash("link", problem)
    lab = st.session_state.lab
    if lab.work.load_failed and (again := work_of(known)) is not lab.work:  # the database is back: all of it
        lab.work = again
    if lab.work.browser not in (None, known):  # the browser holds another key than this session took
        work = work_of(known)
        if work.saving:
            work.adopt(lab.work)
            lab.work = work
    return lab


def get_lab() -> Lab:
    """This browser session's Lab, once a run stopped by the last click has let go of it."""
    if "lab" not in st.session_state:
        _enter_through_app()
    lab = st.session_state.lab
    if not lab.settle():
        st.warning("The last run is still stopping; reload the page in a moment.")
    return lab


def _enter_through_app() -> None:
    """Until app.py has run once in the process, Streamlit treats pages/ the old way and
    runs a linked page on its own. Send the visitor through app.py, keeping the link."""
    page = urlparse(st.context.url or "").path.strip("/")
    st.switch_page("app.py", query_params={**st.query_params.to_dict(), "page": page})


def sync_url() -> None:
    """The address always carries the settings, so it is a link that opens the app set up the same way."""
    st.query_params.from_dict(get_lab().settings.to_query())


def flash(place: str, text: str, kind: str = "warning") -> None:
    """A message for the next show_flashed(place): set in a widget's callback, shown by the page."""
    st.session_state.lab.flash(place, text, kind)


def show_flashed(place: str, where=st) -> None:
    """The messages flashed for `place`, each shown once (the same one flashed twice, once), as
    plain text: they quote what learners typed, linked or uploaded."""
    for kind, text in dict.fromkeys(st.session_state.lab.take_messages(place)):
        getattr(where, kind)(plain(text))


def kept(key: str, default=None):
    """The value last chosen in the widget of `key`, on whatever page it was."""
    return st.session_state.setdefault(KEPT, {}).get(key, default)


def keep(key: str, value) -> None:
    st.session_state.setdefault(KEPT, {})[key] = value


def remembered(widget, label: str, key: str, default=None, load=None, store=None, **kwargs):
    """A widget whose value outlives a switch of page (Streamlit forgets the value of a widget
    that a run does not draw). Its value comes from load() (default: the value kept for it)
    and goes to store(value) when the learner changes it (default: kept for it)."""
    load = load or (lambda: kept(key, default))
    store = store or (lambda value: keep(key, value))
    st.session_state[key] = load()
    return widget(label, key=key, on_change=lambda: store(st.session_state[key]), **kwargs)


def change_settings(**changes) -> str | None:
    """Apply changes to the session's settings; the reason when they are refused."""
    lab = get_lab()
    try:
        lab.settings = lab.settings.replace(**changes).checked()
    except DigitnetError as exc:
        return str(exc)
    sync_url()
    return None
