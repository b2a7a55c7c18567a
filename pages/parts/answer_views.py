"""The Draw page's answer: the digit, or "not sure" and the best guess; the probabilities; and why."""

import streamlit as st

from digitnet.app_support.views.figures import contribution_map, heatmap, probability_bars
from digitnet.app_support.views.in_words import image_in_words, map_in_words, probabilities_in_words
from digitnet.drawing.explain import explain
from digitnet.drawing.predict import Prediction, classify
from digitnet.lesson.dataset import either_digit, is_pair
from pages.shared.styles import spoken

FIGURE_HEIGHT = 300
ANSWER_LINE = "draw_answer_line"  # the answer in one line under the square, on a narrow screen only
# At 640 px and below Streamlit stacks the columns: the answer would come after the model picker,
# a screen's height below the square, out of sight as the finger lifts. This line shows it right
# under the square instead; above 640 px the style hides the line's place (it takes no room itself).
NARROW_ONLY = (f"<style>@media (min-width: 641px) {{ [data-testid=stLayoutWrapper]:has(> .st-key-{ANSWER_LINE}) "
               "{ display: none; } }</style>")
WHY_A_GUESS = ("A classifier must answer with one of the digits it knows, because its probabilities always share "
               "100% among them; a low top probability is its only way to say that none of them fits.")
NO_ANSWER = "No answer yet: draw a digit, upload a picture or choose a test image."


def answer_line():
    """The place for the one-line answer, right under the square."""
    line = st.container(key=ANSWER_LINE)
    st.html(NARROW_ONLY)
    return line


def percent(probability: float) -> str:
    return "over 99.9%" if probability > 0.999 else f"{probability:.1%}"


def answer_in_words(answer: Prediction, digits) -> str:
    """The answer as a screen reader says it, without the page's emphasis."""
    shown = percent(answer.probability)
    if answer.sure:
        return f"The model reads {answer.digit}, {shown} sure."
    known = either_digit(digits) if is_pair(digits) else "a digit it knows"
    return f"The model is not sure this is {known}: its best guess is {answer.digit}, at {shown}."


def show_answer(answerer, image, digits, line=None) -> Prediction:
    """The model's answer, in full; in one line at `line` too. First in its column: the answer
    said politely (NO_ANSWER's place when there is none)."""
    answer = classify(answerer.model, image, digits, answerer.threshold)
    spoken(answer_in_words(answer, digits))
    shown = percent(answer.probability)
    if answer.sure:
        st.subheader(f"Prediction: {answer.digit}", anchor=False)
        st.markdown(f"with probability **{shown}**")
        summary = f"**Answer: {answer.digit}**, with probability {shown}"
    else:
        known = either_digit(digits) if is_pair(digits) else "a digit I know"
        st.subheader("Prediction: not sure", anchor=False)
        st.markdown(f"This doesn't look like {known}; my best guess is **{answer.digit}**, with probability {shown}.")
        st.caption(WHY_A_GUESS)
        summary = f"**Not sure**: my best guess is {answer.digit} ({shown})"
    if line is not None:
        line.markdown(summary)
    probability_chart(answer.probabilities)
    return answer


def probability_chart(probabilities: dict[int, float]) -> None:
    st.plotly_chart(probability_bars(probabilities, height=FIGURE_HEIGHT - 60), width="stretch",
                    config={"displayModeBar": False}, alt=probabilities_in_words(probabilities))


def show_why(model, image, digits, kind: str) -> None:
    why = explain(model, image, digits)
    seen, reasons = st.columns(2)
    with seen:
        st.markdown("**What the model sees**: your digit cropped, scaled to 20 pixels and centred in 28x28, "
                    "as MNIST's digits are.")
        st.plotly_chart(heatmap(image, diverging=False, height=FIGURE_HEIGHT).update_traces(showscale=False),
                        width="stretch", config={"displayModeBar": False},
                        alt=image_in_words(image, "What the model sees"))
    with reasons:
        if why.against is None:
            st.markdown(f"**Why {why.towards}**: red ink raised the score of {why.towards}, blue ink lowered it.")
            against = f"against {why.towards}"
        else:
            st.markdown(f"**Why**: red ink pushed towards {why.towards}, blue ink towards {why.against}.")
            against = f"towards {why.against}"
        figure = contribution_map(why.contributions, image, f"towards {why.towards}", against, FIGURE_HEIGHT)
        st.plotly_chart(figure, width="stretch", config={"displayModeBar": False},
                        alt=map_in_words(why.contributions, "Why: each inked pixel's push", f"towards {why.towards}",
                                         against))
    if kind == "linear":
        up, down, bias = why.pushed_up, why.pushed_down, why.rest
        meaning = f" (above 0 means {why.towards})" if why.against is not None else f" for {why.towards}"
        st.caption(
            f"Each pixel's push is its weight times its brightness. The red ones add {up:+.2f} to the score, "
            f"the blue ones {down:+.2f}, the bias {bias:+.2f}: the score is {why.score:+.2f}{meaning}."
        )
    else:
        st.caption(
            "The net has no single weight per pixel, so each pixel's push is the score's gradient with respect "
            "to that pixel, times the pixel: roughly how much the score would drop if that ink were rubbed out."
        )
