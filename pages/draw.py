"""Draw: draw a digit (or upload a picture of one, or pick a test image), see what the model answers, and why."""

import streamlit as st

from digitnet.app_support.session.answerers import Answerer, choices
from digitnet.app_support.views.wording import count, plain
from digitnet.drawing.predict import UNSURE_BELOW
from digitnet.drawing.preprocess import ink_of, model_input, open_image, preprocess, reaches_edge, viewable
from digitnet.errors import EmptyImage, ImageError
from digitnet.lesson.dataset import either_digit, is_pair
from pages.parts.answer_views import NO_ANSWER, answer_line, probability_chart, show_answer, show_why
from pages.parts.my_digits_views import add_to_my_digits
from pages.parts.try_image import test_image
from pages.shared.answering import answerer
from pages.shared.canvas import st_canvas
from pages.shared.controls import task_picker
from pages.shared.session import get_lab, kept, remembered
from pages.shared.styles import spoken

CANVAS = 280  # pixels: ten times MNIST's 28
CANVAS_KEY = "draw_canvas"
STROKE_KEY = "draw_stroke"
DEFAULT_STROKE = 20
UPLOAD = "Upload a picture"
TEST = "Try a test image"
OFF_THE_SQUARE = ("Part of your digit may be off the square: the model reads only what is inside it. "
                  "If the answer is wrong, draw it smaller or nearer the middle.")


def pick_model(lab, digits) -> Answerer:
    options, start = choices(lab, digits)
    index = st.selectbox(
        "Model that answers", range(len(options)), index=start, format_func=lambda i: options[i].label,
        help="Your latest trained model answers by default. Train one on the Train page to see it here.",
    )
    chosen = answerer(options[index], digits)
    s = chosen.settings
    unsure = "" if chosen.threshold == UNSURE_BELOW else f" Below {chosen.threshold:.0%} it says it is not sure."
    st.caption(
        f"Answering: **{plain(options[index].label)}**, {chosen.origin}; validation accuracy {chosen.accuracy:.2%}. "
        f"Trained with: {s.describe()}, {count(s.epochs, 'epoch')}, seed {s.seed}.{unsure}"
    )
    return chosen


def drawn_image():
    """The model's-eye image of the drawing (None while the canvas is blank), and the place for
    the one-line answer under the square."""
    st.space("small")  # room for the canvas's toolbar, which floats above it, clear of the controls there
    canvas = st_canvas(
        stroke_width=kept(STROKE_KEY, DEFAULT_STROKE), stroke_color="#FFFFFF", background_color="#000000",
        width=CANVAS, height=CANVAS, drawing_mode="freedraw", return_image_data=True, key=CANVAS_KEY,
    )
    line = answer_line()
    image = None
    if canvas.image_data is not None:  # None: no stroke yet
        try:
            ink = ink_of(canvas.image_data)  # found once, for the model and for the edge
            image = model_input(ink)
            if reaches_edge(ink):
                st.warning(OFF_THE_SQUARE, icon=":material/crop_free:")
        except EmptyImage:  # every stroke undone, or the canvas cleared
            pass
    # Kept across page switches; its callback runs before the rerun, so the canvas above gets the new width.
    remembered(st.slider, "Stroke width", STROKE_KEY, DEFAULT_STROKE, min_value=6, max_value=40)
    st.caption("Undo and clear (the bin): in the bar above the square, shown when you point at it "
               "(always, on a touch screen).")
    return image, line


def uploaded_image():
    """The model's-eye image of an uploaded picture, or None after saying why not."""
    file = st.file_uploader(
        "A photo or scan of one handwritten digit (png or jpg); dark ink on light paper is fine",
        type=["png", "jpg", "jpeg"], key="draw_upload",
    )
    if file is None:
        st.info("Upload a picture of a single digit, written large.", icon=":material/upload:")
        return None
    try:
        picture = open_image(file.getvalue())
        image = preprocess(picture)
    except EmptyImage as exc:
        st.warning(f"{plain(file.name)}: {exc}.")
        return None
    except ImageError as exc:
        st.error(f"{plain(file.name)}: {exc}.")
        return None
    # a caption renders Markdown; alt is an attribute, read as it is
    st.image(viewable(picture, CANVAS), caption=plain(file.name), alt=f"The picture you uploaded, {file.name}")
    return image


def main() -> None:
    """The page, in a function: what it loads is freed when the run ends (see server.dataset)."""
    lab = get_lab()
    st.title("Draw")
    st.markdown("Draw a digit and ask a model what it is, then see why it answered so: which strokes pushed it "
                "which way.")
    task_picker()
    digits = lab.settings.digits
    left, right = st.columns([0.55, 0.45], gap="small")  # the left one holds the 280-pixel canvas at 1024x768
    with right:
        chosen = pick_model(lab, digits)
    with left:
        source = st.radio("Input", ["Draw", UPLOAD, TEST], horizontal=True, label_visibility="collapsed",
                          key="draw_input")
        if source == TEST:
            image, line = test_image(lab, digits, CANVAS), None
        else:
            image, line = (uploaded_image(), None) if source == UPLOAD else drawn_image()
    with right:
        if image is not None:
            answer = show_answer(chosen, image, digits, line)
            if source != TEST:  # a test image is MNIST's, or one of them already
                add_to_my_digits(lab, image, answer.digit)
        else:
            spoken(NO_ANSWER)
            if source == "Draw":
                what = either_digit(digits) if is_pair(digits) else "any digit"
                st.info(f"Draw {what} in the black square: the model answers when you lift the mouse or finger.",
                        icon=":material/draw:")
                # The answer's chart, empty: the browser loads its charting code now, not after the first
                # stroke, where it made the first answer 1.5 s slower than the next ones.
                probability_chart(dict.fromkeys(digits, 0.0))
    if image is not None:
        show_why(chosen.model, image, digits, chosen.settings.model)


main()
