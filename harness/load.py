"""A class of learners on one server: sessions that open the Train page, press Train at
once, and each draw a 2 once their run is done.

Each session is its own websocket, as a browser tab (harness/client.py), and trains with a
seed of its own, so its run is recognisable anywhere: a Student records what the session
saw (times, the waiting message, its run history, the Draw page's answer, problems) and
the ways it saw anyone else's run (leaks). tests/browser/test_load.py runs a small class
and asserts; bench/load_test.py runs thirty and prints timings and memory.
"""

import asyncio
import re
from dataclasses import dataclass, field

import numpy as np

from digitnet.app_support.serving.replica import SESSION_COOKIE
from digitnet.drawing.generated import render, rgba
from harness.client import ScriptTimeout, Session
from harness.drawings import TWO, png_data_url

DONE = re.compile(r"^run 1: validation accuracy [0-9.]+ after (\d+) epochs?")
WAITING = "Waiting for a free slot"
MODEL_CHOICE = "Model that answers"
STROKE = 20  # the Draw page's default brush
SEED_BASE = 1000  # session i trains with seed SEED_BASE + i: its run is recognisable anywhere


def canvas_state(points=TWO, stroke: int = STROKE) -> dict:
    """The canvas component's value after one stroke, as its frontend sends it: the
    Fabric.js drawing and the picture as a PNG data URL."""
    path = [["M", *points[0]], *[["L", *point] for point in points[1:]]]
    stroke_object = {"type": "Path", "version": "7.4.0", "originX": "center", "originY": "center",
                     "stroke": "#FFFFFF", "strokeWidth": stroke, "strokeLineCap": "round",
                     "strokeLineJoin": "round", "fill": None, "path": path}
    data_url = png_data_url(rgba(render([np.array(points, dtype=float)], stroke)))
    return {"drawing": {"raw": {"version": "7.4.0", "objects": [stroke_object]}, "data": data_url}}


@dataclass
class Student:
    """What one session went through."""

    seed: int
    replica: str = ""  # the app process that served it, behind a balancer (its digitnet-session cookie)
    train_seconds: float | None = None  # the click to the finished-training message
    start_seconds: float | None = None  # the click to the first progress of its own training
    waited: bool = False  # saw "Waiting for a free slot"
    epochs: int | None = None
    history: list[tuple[str, int]] = field(default_factory=list)  # (run, seed) rows of its Run history
    models: list[str] = field(default_factory=list)  # the Draw page's choice of models that can answer
    answerer: str = ""  # the Draw page's "Answering: ..." caption
    prediction: str | None = None
    draw_seconds: float | None = None  # sending the drawing to the prediction
    progress: str = ""  # the last progress text of its training, for one that did not finish
    problems: list[str] = field(default_factory=list)

    def leaks(self) -> list[str]:
        """How this session saw anything but its own run (one that never got that far saw nothing)."""
        found = []
        if self.history and self.history != [("run 1", self.seed)]:
            found.append(f"history {self.history}, expected only run 1 with seed {self.seed}")
        if others := [model for model in self.models if model != "run 1" and not model.startswith("default ")]:
            found.append(f"Draw offered models of other sessions: {others}")
        own = "**run 1**, trained in this session" in self.answerer and f"seed {self.seed}." in self.answerer
        if self.answerer and not own:
            found.append(f"Draw answered with another model: {self.answerer}")
        return found

    def finished(self) -> bool:
        done = self.train_seconds is not None and self.history and self.prediction is not None
        return bool(done) and not self.problems


def history_rows(reply) -> list[tuple[str, int]]:
    tables = [t for t in reply.tables() if "run" in t.column_names and "seed" in t.column_names]
    return list(zip(tables[-1]["run"].to_pylist(), tables[-1]["seed"].to_pylist())) if tables else []


async def open_train(url: str, seed: int, epochs: int, timeout: float) -> tuple[Session, Student]:
    session, student = Session(url, timeout), Student(seed)
    try:
        reply = await session.open("train", f"epochs={epochs}&seed={seed}")
        student.replica = session.set_cookies.get(SESSION_COOKIE, "")
        student.problems += reply.problems()
    except Exception as exc:  # noqa: BLE001 - a failed session is a figure of the test, not its end
        student.problems.append(f"opening /train: {exc!r}")
    return session, student


async def train_and_draw(session: Session, student: Student) -> None:
    """Press Train, wait for the run to finish, go to Draw, draw a 2."""
    if student.problems:
        return
    try:
        reply = await session.click("train_button")
        student.problems += reply.problems()
        student.waited = any(text.startswith(WAITING) for text in reply.alerts("info"))
        student.start_seconds = reply.first("progress", lambda p: True)
        student.train_seconds = reply.first("alert", lambda a: bool(DONE.match(a.body)))
        done = [DONE.match(text) for text in reply.alerts("success") if DONE.match(text)]
        student.epochs = int(done[-1].group(1)) if done else None
        student.history = history_rows(reply)
        reply = await session.go_to("draw")
        student.problems += reply.problems()
        reply = await session.send_json("draw_canvas", canvas_state())
        student.problems += reply.problems()
        student.answerer = next((text for text in reply.markdown() if text.startswith("Answering:")), "")
        student.models = next((list(box.options) for box in reply.of("selectbox") if box.label == MODEL_CHOICE), [])
        student.prediction = next((text for text in reply.headings() if text.startswith("Prediction:")), None)
        student.draw_seconds = reply.first("heading", lambda h: h.body.startswith("Prediction:"))
    except Exception as exc:  # noqa: BLE001
        student.problems.append(f"{type(exc).__name__}: {exc}")
        if isinstance(exc, ScriptTimeout) and (bars := exc.reply.of("progress")):
            student.progress = bars[-1].text


async def run_class(url: str, n: int, epochs: int, timeout: float = 300, first_seed: int = SEED_BASE,
                    keep_open: list | None = None) -> list[Student]:
    """n sessions open the Train page, then all press Train at once, then each draws.
    The sessions are closed at the end unless `keep_open` (a list) is given to hold them."""
    opened = await asyncio.gather(*(open_train(url, first_seed + i, epochs, timeout) for i in range(n)))
    try:
        await asyncio.gather(*(train_and_draw(session, student) for session, student in opened))
    finally:
        if keep_open is None:
            await asyncio.gather(*(session.close() for session, _ in opened))
        else:
            keep_open.extend(session for session, _ in opened)
    return [student for _, student in opened]
