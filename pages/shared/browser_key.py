"""Which browser this is: a random key of 256 bits that the browser keeps, so that a learner's
work (app_support/session/work.py) comes back after a reload, a new tab, a server restart or a
move to another replica.

Streamlit cannot write a cookie or localStorage from Python, so a small component of our own
does it in the page. A browser seen for the first time is given a key the server makes for its
session (secrets.token_hex), which the component keeps in localStorage and in a first-party
cookie without a word back: the server knows the key already, and a message back would rerun
the page, stopping a training the learner may have started in that moment. The cookie lets the
server know a returning browser from the first request of a new session (st.context.cookies).
Only where the browser holds another key than the server knows (its cookie refused, as in a
page shown in another site's frame, a Hugging Face Space, where localStorage still keeps it)
does the component tell the server, once. The key travels only in the cookie header and the
component's own messages: never in a URL, a link, the board, a log line or an exported file;
the database holds its SHA-256 (browser_id).
"""

import secrets

import streamlit as st

from digitnet.app_support.storage.saved_work import browser_id

COOKIE = "digitnet-browser"  # the cookie's and localStorage's name
STATE = "browser_key"  # the component's key: its state in st.session_state
MADE = "browser_key_made"  # the key this server made for a browser it has not seen
MAX_AGE = 400 * 86_400  # seconds: the longest a browser keeps a cookie; the database keeps work KEEP_DAYS
HIDDEN = f"<style>.st-key-{STATE}_box {{ display: none; }}</style>"

KEEPER = st.components.v2.component("digitnet_browser_key", isolate_styles=False, js="""
export default function ({ data, setStateValue }) {
  const name = data.name, valid = /^[0-9a-f]{64}$/;
  let kept = null;
  try { kept = window.localStorage.getItem(name); } catch (e) {}
  if (!valid.test(kept || "")) {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
    kept = cookie ? cookie.slice(name.length + 1) : null;
  }
  if (valid.test(kept || "") && kept !== data.known) {
    setStateValue("key", kept);  // the browser's own key, which the server did not know
    return;
  }
  try { window.localStorage.setItem(name, data.known); } catch (e) {}
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${name}=${data.known}; Path=/; Max-Age=${data.maxAge}; SameSite=Lax${secure}`;
}
""")


def browser() -> str:
    """This browser's id in the database (browser_id of its key): the key the component said the
    browser holds, else its cookie's, else one made now for a browser seen for the first time.
    Mounts the component, hidden, where the call is."""
    told = st.session_state.get(STATE)
    key = next((k for k in (told.get("key") if hasattr(told, "get") else None, st.context.cookies.get(COOKIE))
                if browser_id(k)), None) or st.session_state.setdefault(MADE, secrets.token_hex(32))
    box = st.container(key=f"{STATE}_box")
    box.html(HIDDEN)
    with box:
        KEEPER(key=STATE, data={"name": COOKIE, "maxAge": MAX_AGE, "known": key}, default={"key": None},
               on_key_change=lambda: None)
    return browser_id(key)
