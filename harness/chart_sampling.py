"""Live training in a real browser, sampled: is the loss chart drawn, how often it changes.

Opens the Train page, clicks Train and samples the page every 50 ms until the run ends:
is the loss chart drawn, and what does the progress text say (it changes with every
redraw). tests/browser/test_browser_train.py asserts on the samples; bench/live_chart.py
prints them.
"""

import time

SAMPLE_EVERY = 0.05

# Short epochs, many of them: a run of several seconds with a redraw for nearly every epoch.
FAST_EPOCHS = "model=linear&bs=64&lr=0.1&opt=sgd&loss=mnist&epochs=100"

# One sample: is the live loss chart on screen with its drawing, and the progress text.
SAMPLE_JS = """() => {
  const chart = document.querySelector('.st-key-live_loss [data-testid="stVegaLiteChart"]');
  const box = chart && chart.getBoundingClientRect();
  const drawing = chart && chart.querySelector('canvas, svg');
  const drawn = !!(box && box.height > 100 && drawing && drawing.getBoundingClientRect().height > 100);
  const progress = document.querySelector('.st-key-live_progress');
  const button = document.querySelector('.st-key-train_button button');
  const alert = document.querySelector('[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentError"]');
  return {drawn: drawn, progress: progress ? progress.innerText.trim() : "",
          finished: !!(alert && button && !button.disabled)};
}"""


def sample_training(page, url: str, query: str, timeout: float = 90.0) -> dict:
    """Open the Train page with `query`, click Train, sample until the run has finished."""
    page.goto(f"{url}/train?{query}")
    button = page.locator(".st-key-train_button button")
    button.wait_for()
    button.click()
    clicked = time.monotonic()
    samples, first_point = [], None
    while time.monotonic() - clicked < timeout:
        sample = page.evaluate(SAMPLE_JS)
        now = time.monotonic()
        if sample["drawn"] and sample["progress"] and first_point is None:  # empty axes are no point
            first_point = now - clicked
        if first_point is not None:
            samples.append((now, sample))
            if sample["finished"]:
                break
        time.sleep(max(0.0, SAMPLE_EVERY - (time.monotonic() - now)))
    texts = [s["progress"] for _, s in samples if s["progress"]]
    updates = sum(1 for a, b in zip(texts, texts[1:], strict=False) if a != b)
    live = [t for t, s in samples if s["progress"]]
    span = (live[-1] - live[0]) if len(live) > 1 else 0.0
    return {
        "samples": len(samples),
        "blank": sum(1 for _, s in samples if not s["drawn"]),
        "updates": updates,
        "updates_per_second": updates / span if span else 0.0,
        "first_point_seconds": first_point,
    }
