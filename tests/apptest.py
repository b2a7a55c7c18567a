"""Pages in Streamlit's AppTest as a browser session reaches them: app.py runs first (it
sets up the session and the navigation), then the session switches to the page."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def open_page(page: str, query: dict | None = None, lab=None, timeout: float = 60) -> AppTest:
    """A new session on pages/<page>.py, opened by a link with `query` or holding `lab` as
    its Lab; its runs so far raised nothing."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query or {})
    if lab is not None:
        at.session_state.lab = lab
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception
    return at


def figures(at: AppTest) -> list[dict]:
    """The page's plotly figures, as sent to the browser."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
