"""Which app process a browser's session lived on, for a class served by several of them.

Behind the balancer (deploy/haproxy.cfg) each app process, a replica, has a name in
DIGITNET_REPLICA, and the balancer sets the cookie SESSION_COOKIE to that name whenever a
browser opens its websocket, that is whenever a Streamlit session starts or resumes there.
A session lives in its process's memory, so when a replica stops, its learners' browsers
reconnect through the balancer to another one with a new session, whose websocket still
carries the cookie naming the replica that stopped; their work comes back from the database. The balancer's
own pinning cookie cannot tell this: the browser's health and configuration requests
before the reconnection already re-pin it to the new replica.
"""

import os

REPLICA_VARIABLE = "DIGITNET_REPLICA"
SESSION_COOKIE = "digitnet-session"

RUNS_BACK = (
    "The server that held your session stopped, so this is a new session on another server: your runs, "
    "models, digits and name are back from the database. A run that was training stopped after its last "
    "whole epoch."
)
RUNS_LOST = (
    "The server that held your session stopped, so the runs and models of that session are gone, and so is "
    "your name on the class board: this is a fresh session on another server, set up from the address. A "
    "model you downloaded loads again on the Train page (Model files)."
)


def own_name() -> str | None:
    """This process's replica name, or None when it is not one of several behind a balancer."""
    return os.environ.get(REPLICA_VARIABLE) or None


def moved_message(session_cookie: str | None, own: str | None, saved: bool) -> str | None:
    """For a session's first run: what its learner is told when the browser's last session lived
    on another replica (`session_cookie` names it): that their work is back (`saved`: the
    database keeps it) or lost. None for a first visit, a reload on the same replica, or a
    process not behind the balancer."""
    if not own or not session_cookie or session_cookie == own:
        return None
    return RUNS_BACK if saved else RUNS_LOST
