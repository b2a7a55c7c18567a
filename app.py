"""digitnet: how a neural net learns, on real MNIST. Start it with `make run`."""

from pathlib import Path

import streamlit as st

from pages.shared.process import warm_up_in_background
from pages.shared.session import show_flashed, start, sync_url
from pages.shared.styles import add_styles

# A file, not an emoji or a material icon: those cost start-up time or a request to Google.
ICON = Path(__file__).parent / "assets" / "icon.png"
st.set_page_config(page_title="digitnet", page_icon=ICON, layout="wide")
linked_page = st.query_params.get("page")  # set when a link reached a page before app.py ran
start()  # the first run of a session reads its settings from the URL
sync_url()  # ... and every run writes them back, so the address is always a shareable link
pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/grid_on:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/weights.py", title="Weights", icon=":material/blur_on:"),
    st.Page("pages/draw.py", title="Draw", icon=":material/draw:"),
    st.Page("pages/my_digits.py", title="My digits", icon=":material/collections_bookmark:"),
    st.Page("pages/step.py", title="Step through", icon=":material/footprint:"),
    st.Page("pages/experiments.py", title="Experiments", icon=":material/science:"),
    st.Page("pages/class.py", title="Class", icon=":material/groups:"),
]
navigation = st.navigation(pages)
if linked := [page for page in pages if linked_page and page.url_path == linked_page]:
    st.switch_page(linked[0])
add_styles()
show_flashed("link")
navigation.run()
warm_up_in_background()
