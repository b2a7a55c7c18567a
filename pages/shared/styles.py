"""The app's own styles, on every page (app.py adds them): no motion for those who ask for none,
and a place that screen readers read out but no one sees."""

import streamlit as st

SPOKEN = "spoken"  # the key of a page's one spoken-only status (st.container keys it .st-key-spoken)

# Reduced: every animation and transition over at once rather than removed, so the code that waits
# for their end events still gets them; the running indicator and spinners then stand still.
# Spoken: visually hidden, not display:none, which would take it out of the accessibility tree too.
STYLES = f"""<style>
@media (prefers-reduced-motion: reduce) {{
  *, *::before, *::after {{
    animation-duration: 0.01ms !important; animation-delay: 0s !important; animation-iteration-count: 1 !important;
    transition-duration: 0.01ms !important; transition-delay: 0s !important; scroll-behavior: auto !important;
  }}
}}
[data-testid=stLayoutWrapper]:has(> .st-key-{SPOKEN}) {{
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap;
}}
</style>"""


def add_styles() -> None:
    st.html(STYLES)


def spoken(text: str) -> None:
    """A polite status (an info box: role status) that only screen readers meet. Keep it at the
    same place in its column on every run: Streamlit then keeps the element and changes its text,
    which is what a screen reader announces; a new element would go unsaid."""
    st.container(key=SPOKEN).info(text)
