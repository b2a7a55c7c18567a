"""The drawing canvas (streamlit-drawable-canvas 0.13.0), with its toolbar kept off the square.

The component hides its toolbar (send, undo, redo, edit, clear) with opacity alone, and until the
pointer has rested on the canvas for 0.1-0.2 s it places the bar's top edge only 1rem above the
square: the invisible bar then hangs over the square's top-right corner (x 139-280, y 0-30 on the
280-pixel square) and takes the presses meant for the canvas. A stroke started there is never
drawn (on a phone the page scrolls instead), and a tap there clicks an invisible Undo, Redo, Edit
or Clear. A touch screen never hovers, so there the corner is always taken. Its stylesheet lives
in the component's shadow root, which the page's CSS cannot reach; so the component is registered
again under its own name, with its own JS and CSS files and a few more rules in its HTML: the
toolbar sits wholly above the square at all times, and is always shown where nothing hovers.
The lasting fix is the same rules in the component's own stylesheet, upstream.
"""

import streamlit as st
from streamlit_drawable_canvas import st_canvas  # registers the component first

__all__ = ["st_canvas"]  # the Draw page takes it from here, so the rules below are in place

NAME = "streamlit-drawable-canvas.streamlit_drawable_canvas"  # the package's own name for it
# !important: the component's stylesheet is linked after this HTML, and its rules set `top` in
# every state (hidden -1rem, shown -2.65rem); `bottom: 100%` puts the bar's lower edge on the
# square's top edge whatever its height.
TOOLBAR_OFF_THE_SQUARE = """<style>
.dc-root > .dc-toolbar { top: auto !important; bottom: 100% !important; }
@media (hover: none) { .dc-root > .dc-toolbar { opacity: 1 !important; } }
</style>"""

# Streamlit logs once, at the first Draw page of the process, that this overwrites the package's definition.
st.components.v2.component(
    NAME, html='<div class="canvas-root"></div>' + TOOLBAR_OFF_THE_SQUARE, css="index-*.css", js="index-*.js",
)
