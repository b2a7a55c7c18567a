"""Every stroke kept (issue 11): digits of two or three strokes drawn on the Draw page at a
person's pace, as the first drawing of fresh sessions and as drawings in a row in one session.
After each, once the page is quiet: does the canvas hold every stroke the pointer drew (each
stroke's centre line inked), and is the answer for the whole drawing (the model's-eye picture
shown equals preprocess of the canvas's pixels)? The seconds from the last release to that
answer on screen are kept too. tests/browser/test_strokes_kept.py asserts on a run;
bench/draw_strokes.py prints one, against any server.

A person's hand: 0.3 s a stroke, 0.15 s from one stroke to the next, the pointer arriving at
the first stroke from elsewhere on the page (the hint, the answer, the toolbar's bin) and
pressing at once. Playwright's async API, so that a few sessions draw at the same time.
"""

import asyncio
import statistics
import time
from dataclasses import dataclass

import numpy as np

from digitnet.drawing.preprocess import preprocess
from digitnet.errors import EmptyImage
from harness import drawings as pen
from harness.browser import CHROMIUM, CHROMIUM_FLAGS, LOCAL_URLS
from harness.client import in_own_thread

HINT = "in the black square"
VIEWPORT = {"width": 1024, "height": 700}  # the square and the answer in view; a smaller page is less to paint
ORDER = ["4", "5", "6", "8", "7", "5r", "1x3", "4wide", "7wide"]
KEPT = 0.95  # of a stroke's centre line inked: the stroke is on the canvas
SAME_IMAGE = 0.02  # the largest pixel difference between the shown model's-eye image and the expected one
POLL_MS = 20  # how often the page is asked whether it shows the answer: the times are this close
QUIET_S = 0.35  # no script running for this long: the page is done with the drawing (the canvas sends 0.2 s
# after a stroke ends, so a stroke still on its way would have started a run by then)


@dataclass
class Drawing:
    digit: str
    kept: list[float]  # each stroke's share kept
    answered_whole: bool
    final_answer_s: float | None  # the last release to the answer for the whole drawing on screen

    @property
    def all_kept(self) -> bool:
        return min(self.kept) >= KEPT


def centre(box) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


async def open_draw(page, url: str) -> dict:
    """The Draw page, its canvas in view; the canvas's box in page pixels."""
    await page.goto(f"{url}/draw")
    canvas = page.locator("canvas.upper-canvas")
    await canvas.wait_for(state="visible")
    await page.get_by_text(HINT).wait_for()
    await canvas.scroll_into_view_if_needed()
    return await canvas.bounding_box()


async def approach(page, start, target, seconds: float = 0.15, moves: int = 10) -> None:
    """The pointer from `start` to `target` in `seconds`, as a hand moves it."""
    began = time.perf_counter()
    for step in range(1, moves + 1):
        await asyncio.sleep(max(0.0, began + step * seconds / moves - time.perf_counter()))
        share = step / moves
        await page.mouse.move(start[0] + (target[0] - start[0]) * share, start[1] + (target[1] - start[1]) * share)


async def draw_at_pace(page, strokes, box, come_from) -> tuple[list, float]:
    """The strokes (canvas pixels), the hand arriving from `come_from` and starting at once; the
    points the pointer took (a fast stroke cuts a digit's corners) and perf_counter() at the last release."""
    first = strokes[0][0]
    await approach(page, come_from, (box["x"] + first[0], box["y"] + first[1]))
    taken, released = [], 0.0
    for index, stroke in enumerate(strokes):
        path = pen.densify(stroke)
        if index:  # the pen-up travel to the next stroke's start, within the gap
            here, there = taken[-1][-1], path[0]
            await approach(page, (box["x"] + here[0], box["y"] + here[1]), (box["x"] + there[0], box["y"] + there[1]),
                           seconds=max(0.0, pen.GAP_SECONDS - (time.perf_counter() - released)), moves=6)
        await page.mouse.move(box["x"] + path[0][0], box["y"] + path[0][1])
        await page.mouse.down()
        points, start = [path[0]], time.perf_counter()
        moves = max(2, round(pen.STROKE_SECONDS / pen.MOVE_EVERY))
        for step in range(1, moves + 1):
            x, y = path[min(len(path) - 1, round(step * (len(path) - 1) / moves))]
            await asyncio.sleep(max(0.0, start + step * pen.STROKE_SECONDS / moves - time.perf_counter()))
            await page.mouse.move(box["x"] + x, box["y"] + y)
            points.append((x, y))
        await page.mouse.up()
        taken.append(points)
        released = time.perf_counter()
    return taken, released


async def canvas_pixels(page) -> np.ndarray:
    return pen.pixels_of(await page.evaluate(pen.CANVAS_PIXELS_JS))


async def shows(page, image: np.ndarray, timeout_s: float) -> bool:
    """Whether the page shows `image` as the model's-eye picture within `timeout_s` (checked every frame)."""
    try:
        await page.wait_for_function(pen.SHOWS_VIEW_JS, arg=[image.reshape(-1).tolist(), SAME_IMAGE], polling=POLL_MS,
                                     timeout=timeout_s * 1000)
        return True
    except Exception:  # noqa: BLE001 - Playwright's timeout: the answer never came
        return False


async def settle(page, quiet_s: float = QUIET_S, timeout_s: float = 20.0) -> None:
    """Until no script has run for `quiet_s` seconds (Streamlit's running-man widget absent)."""
    deadline, quiet_since = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        if await page.evaluate(pen.IDLE_JS):
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= quiet_s:
                return
        else:
            quiet_since = None
        await asyncio.sleep(0.05)


def model_input(pixels: np.ndarray) -> np.ndarray | None:
    try:
        return preprocess(pixels)
    except EmptyImage:
        return None


async def check(page, digit: str, taken, released: float) -> Drawing:
    """What the canvas and the answer hold once the page is quiet again."""
    released_pixels = await canvas_pixels(page)  # the stroke just finished is drawn from the next frame
    expected = model_input(released_pixels)
    final = None
    if expected is not None and await shows(page, expected, timeout_s=8):
        final = time.perf_counter() - released
    await settle(page)
    pixels = await canvas_pixels(page)
    if np.array_equal(pixels, released_pixels):  # nothing changed since: the answer seen is the one for it
        whole = final is not None
    else:
        image = model_input(pixels)
        whole = image is not None and await shows(page, image, timeout_s=1)
    return Drawing(digit, [round(k, 3) for k in pen.kept_share(pixels, taken)], whole, final)


async def new_context(browser, outside: list):
    """A browser context whose requests off this machine go to `outside`."""
    context = await browser.new_context(viewport=VIEWPORT)
    context.on("request", lambda request: None if request.url.startswith(LOCAL_URLS) else outside.append(request.url))
    return context


async def first_drawing(context, url: str, name: str, strokes) -> Drawing:
    """A fresh session's first drawing: the hint read, the hand goes from it to the square and draws.
    A new tab is a new Streamlit session (one websocket each); tabs of one context share the
    browser's cache, so the page's scripts load once."""
    page = await context.new_page()
    page.set_default_timeout(30_000)
    try:
        box = await open_draw(page, url)
        await asyncio.sleep(0.3)
        come_from = centre(await page.get_by_text(HINT).bounding_box())
        taken, released = await draw_at_pace(page, strokes, box, come_from)
        return await check(page, name, taken, released)
    finally:
        await page.close()


async def drawings_in_a_row(context, url: str, n: int, rng) -> list[Drawing]:
    """n drawings in one session: draw, look at the answer, clear with the bin, draw the next."""
    page = await context.new_page()
    page.set_default_timeout(30_000)
    rows = []
    try:
        box = await open_draw(page, url)
        pointer = centre(await page.get_by_text(HINT).bounding_box())
        for i in range(n):
            name = ORDER[i % len(ORDER)]
            taken, released = await draw_at_pace(page, pen.jitter(pen.LARGE[name], rng), box, pointer)
            rows.append(await check(page, name, taken, released))
            answer = page.get_by_text("Prediction:")
            last = (box["x"] + taken[-1][-1][0], box["y"] + taken[-1][-1][1])
            if await answer.count():  # a glance at the answer
                await approach(page, last, centre(await answer.bounding_box()))
            clear = page.get_by_role("button", name="Reset canvas & history")
            pointer = centre(await clear.bounding_box())
            await clear.click()
            await page.get_by_text(HINT).wait_for()  # and draw the next at once, as a person does
        return rows
    finally:
        await page.close()


async def protocol(url: str, fresh: int, in_a_row: int, at_once: int, seed: int) -> tuple[list, list, list]:
    from playwright.async_api import async_playwright

    rng = np.random.default_rng(seed)
    firsts = [(ORDER[i % len(ORDER)], pen.jitter(pen.LARGE[ORDER[i % len(ORDER)]], rng)) for i in range(fresh)]
    outside: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = await new_context(browser, outside)
            slots = asyncio.Semaphore(at_once)

            async def one(name, strokes):
                async with slots:
                    return await first_drawing(context, url, name, strokes)

            row = drawings_in_a_row(context, url, in_a_row, rng) if in_a_row else asyncio.sleep(0, [])
            *fresh_rows, row_rows = await asyncio.gather(*(one(name, strokes) for name, strokes in firsts), row)
            await context.close()
        finally:
            await browser.close()
    return fresh_rows, row_rows, outside


def run(url: str, fresh: int = 20, in_a_row: int = 20, at_once: int = 2, seed: int = 11):
    """(fresh sessions' first drawings, drawings in a row, requests made off this machine). The
    session drawing in a row runs beside the fresh ones, `at_once` of those at a time."""
    return in_own_thread(protocol(url, fresh, in_a_row, at_once, seed))


def summary(name: str, rows: list[Drawing]) -> str:
    lost = [i for i, r in enumerate(rows) if not r.all_kept]
    partial = [i for i, r in enumerate(rows) if not r.answered_whole]
    times = [r.final_answer_s for r in rows if r.final_answer_s is not None]
    timing = (f"median {statistics.median(times):.3f} s, max {max(times):.3f} s, "
              f"{sum(t < 0.5 for t in times)}/{len(times)} under 0.5 s") if times else "none"
    return (f"{name}: {len(rows)} drawings; {len(lost)} lost ink {lost}; {len(partial)} not answered for the whole "
            f"drawing {partial}; mouse-up to final answer: {timing}")
