"""Strokes the browser tests draw, drawing them at a person's pace with the mouse or a finger,
and reading back what the Draw page's canvas and its answer hold. (Generated drawings, for the
models' tests and benchmarks, are digitnet/drawing/generated.py.)

The canvas is streamlit-drawable-canvas 0.13.0 (Components v2): a fabric.js canvas in the open
shadow root of [data-testid="stBidiComponentIsolated"]. The model's-eye picture is the first
heatmap on the Draw page ("What the model sees"): its z is the 28x28 image the answer was
computed from, so comparing it with preprocess(the canvas's pixels) tells whether the answer is
for the whole drawing.
"""

import base64
import io

import numpy as np
from PIL import Image, ImageDraw

CANVAS = 280
STROKE_SECONDS = 0.3  # a person's pace: one stroke in about 0.3 s...
GAP_SECONDS = 0.15  # ... and 0.15 s from lifting the mouse to the next stroke
MOVE_EVERY = 0.016  # a mouse reports about 60 moves a second

# Single strokes in canvas pixels (x right, y down): the browser tests draw them with the mouse,
# the load test sends TWO as the canvas would.
TWO = [(80, 90), (100, 60), (140, 50), (185, 65), (195, 100), (175, 140), (130, 185), (85, 225), (140, 225), (200, 225)]
SIX = [(190, 40), (140, 60), (100, 110), (85, 170), (100, 220), (140, 240), (185, 215), (190, 170), (150, 145),
       (110, 160), (90, 190)]

# Digits of two or three strokes written large, as people write in a box (margins of 15-25 px):
# many strokes start on the top edge, near the square's top-right corner, and some run off the
# square on their way (fast, large handwriting).
LARGE = {
    "4": [[(75, 22), (55, 165), (228, 165)], [(190, 20), (185, 262)]],
    "5": [[(95, 22), (85, 120), (150, 105), (205, 140), (210, 200), (165, 250), (100, 255), (65, 230)],
          [(98, 22), (225, 20)]],
    "6": [[(200, 22), (140, 60), (95, 140), (90, 215), (125, 258)],
          [(125, 258), (185, 250), (210, 200), (180, 160), (125, 165), (95, 205)]],
    "8": [[(200, 28), (150, 18), (95, 45), (105, 105), (185, 170), (200, 225), (145, 262), (90, 230), (100, 175)],
          [(100, 175), (150, 140), (195, 95), (200, 28)]],
    "7": [[(50, 25), (240, 25)], [(240, 25), (170, 150), (125, 262)]],
    "5r": [[(95, 22), (85, 120), (150, 105), (205, 140), (210, 200), (165, 250), (100, 255), (65, 230)],
           [(228, 20), (98, 22)]],  # the flag drawn from the right
    "1x3": [[(110, 70), (150, 22)], [(150, 22), (150, 255)], [(100, 258), (205, 258)]],
    "4wide": [[(75, 22), (55, 165), (292, 165)], [(190, 20), (185, 262)]],  # the bar runs off the square
    "7wide": [[(50, 25), (292, 25)], [(240, 25), (170, 150), (125, 262)]],
}


def densify(points, spacing: float = 6.0) -> list[tuple[float, float]]:
    """The polyline through `points` with a point every `spacing` pixels or so."""
    out = [tuple(map(float, points[0]))]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        n = max(1, int(np.hypot(x1 - x0, y1 - y0) // spacing))
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1)]
    return out


def jitter(strokes, rng: np.random.Generator, shift: float = 6.0):
    """The same digit moved and its points wobbled a little, so no two drawings are identical."""
    dx, dy = rng.uniform(-shift, shift, 2)
    return [[(x + dx + rng.normal(0, 1.5), y + dy + rng.normal(0, 1.5)) for x, y in stroke] for stroke in strokes]


def stroke_cores(strokes, width: float = 6) -> list[np.ndarray]:
    """One boolean 280x280 mask per stroke: the pixels a pen of `width` covers along it."""
    masks = []
    for stroke in strokes:
        picture = Image.new("L", (CANVAS, CANVAS), 0)
        pen = ImageDraw.Draw(picture)
        path = densify(stroke, 2.0)
        pen.line(path, fill=255, width=int(width), joint="curve")
        r = width / 2
        for x, y in (path[0], path[-1]):
            pen.ellipse((x - r, y - r, x + r, y + r), fill=255)
        masks.append(np.asarray(picture) > 127)
    return masks


def touch_stroke(cdp_send, box, points) -> None:
    """One stroke with a finger through CDP (touchStart, touchMove..., touchEnd), as fast as sent."""
    spots = [[{"x": box["x"] + x, "y": box["y"] + y, "radiusX": 4, "radiusY": 4, "force": 1, "id": 1}]
             for x, y in densify(points, 8.0)]
    cdp_send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": spots[0]})
    for spot in spots[1:]:
        cdp_send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": spot})
    cdp_send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


# fabric renders a finished stroke onto the lower canvas at the next animation frame
CANVAS_PIXELS_JS = """async () => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const host = document.querySelector('[data-testid="stBidiComponentIsolated"]');
  const canvas = host && host.shadowRoot && host.shadowRoot.querySelector('canvas.dc-canvas.lower-canvas');
  return canvas ? canvas.toDataURL('image/png') : null;
}"""


def pixels_of(data_url: str) -> np.ndarray:
    """CANVAS_PIXELS_JS's answer as (H, W, 4) uint8 RGBA."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGBA"))


def png_data_url(rgba: np.ndarray) -> str:
    """An (H, W, 4) uint8 RGBA picture as the canvas component sends it: a PNG data URL."""
    png = io.BytesIO()
    Image.fromarray(rgba).save(png, format="PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()


def kept_share(pixels: np.ndarray, strokes) -> list[float]:
    """For each stroke, the share of its centre line (a 6-pixel core) inked on the canvas (of the
    part on the square: a stroke may run off its edge)."""
    inked = pixels[:, :, :3].mean(axis=2) > 127
    return [float(inked[core].mean()) if core.any() else 1.0 for core in stroke_cores(strokes)]


# The shown model's-eye image, compared in the page with an expected one, every animation frame.
SHOWS_VIEW_JS = """([expected, tolerance]) => {
  for (const plot of document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')) {
    if (plot.closest('[data-stale="true"]')) continue;
    const trace = plot._fullData && plot._fullData[0];
    if (!trace || trace.type !== 'heatmap') continue;
    const z = trace._z || trace.z;
    let i = 0, worst = 0;
    for (const row of z) for (const v of row) { worst = Math.max(worst, Math.abs(Number(v) - expected[i])); i++; }
    if (i === 784) return worst <= tolerance;
  }
  return false;
}"""
IDLE_JS = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
