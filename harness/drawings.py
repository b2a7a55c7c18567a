"""Mouse-like drawings of a 2 and a 6, rendered as the Draw page's canvas renders them.

Each digit is a path in a unit box (x to the right, y down), bent by a few random choices
of shape (a 2 with or without a loop, a 6 with a small or large belly), then scaled,
squeezed, slanted, turned and placed on a 280x280 canvas, wobbled like a hand on a mouse,
sampled at uneven spacing like mouse events, and drawn as a white stroke with round ends
on black. Only numpy and Pillow: the set does not depend on the code it tests.

TWO and SIX are single strokes in canvas pixels, the ones the browser tests draw.
"""

import math

import numpy as np
from PIL import Image, ImageDraw

CANVAS = 280
SUPERSAMPLE = 2  # the browser's canvas smooths stroke edges; drawing at 2x and shrinking does too

# Strokes in canvas pixels (the canvas is 280x280), as a hand would move a mouse: the
# browser tests draw them with the mouse, the load test sends TWO as the canvas would.
TWO = [(80, 90), (100, 60), (140, 50), (185, 65), (195, 100), (175, 140), (130, 185), (85, 225), (140, 225), (200, 225)]
SIX = [(190, 40), (140, 60), (100, 110), (85, 170), (100, 220), (140, 240), (185, 215), (190, 170), (150, 145),
       (110, 160), (90, 190)]


def _bezier(points, n: int = 40) -> np.ndarray:
    """A quadratic or cubic Bezier curve through control points, as n points."""
    t = np.linspace(0, 1, n)[:, None]
    p = np.asarray(points, dtype=float)
    if len(p) == 3:
        return (1 - t) ** 2 * p[0] + 2 * (1 - t) * t * p[1] + t**2 * p[2]
    return (1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t**2 * p[2] + t**3 * p[3]


def _arc(centre, radii, start_degrees: float, end_degrees: float, n: int = 40) -> np.ndarray:
    """Points on an ellipse; angles counted anticlockwise on screen (y points down)."""
    t = np.radians(np.linspace(start_degrees, end_degrees, n))
    return np.stack([centre[0] + radii[0] * np.cos(t), centre[1] - radii[1] * np.sin(t)], axis=1)


def two_path(rng: np.random.Generator) -> np.ndarray:
    """A 2: an arc over the top, a diagonal down to the left, a base to the right."""
    top = rng.uniform(0.22, 0.32)  # the height of the top arc's centre
    arc = _arc((0.5, top), (rng.uniform(0.36, 0.46), top), rng.uniform(150, 190), rng.uniform(-40, -15))
    corner = np.array([rng.uniform(0.0, 0.12), 1.0])
    end = np.array([rng.uniform(0.85, 1.0), rng.uniform(0.9, 1.0)])
    bend = (arc[-1] + corner) / 2 + rng.uniform(-0.08, 0.08, 2)
    neck = _bezier([arc[-1], bend, corner], 25)
    if rng.random() < 0.3:  # a small loop where the diagonal meets the base
        r = rng.uniform(0.06, 0.1)
        loop = _arc((corner[0] + r, corner[1] - r), (r, r), 200, -150, 25)
        base = _bezier([loop[-1], (loop[-1] + end) / 2 + (0, rng.uniform(-0.05, 0.05)), end], 20)
        return np.concatenate([arc, neck, loop, base])
    base = _bezier([corner, (corner + end) / 2 + (0, rng.uniform(-0.06, 0.04)), end], 20)
    return np.concatenate([arc, neck, base])


def six_path(rng: np.random.Generator) -> np.ndarray:
    """A 6: a stroke from the top right curving down the left side into a closed belly."""
    belly = rng.uniform(0.2, 0.3)  # vertical radius of the loop at the bottom
    centre = np.array([0.5, 1 - belly])
    radii = (rng.uniform(0.36, 0.48), belly)
    left = centre - (radii[0], 0)
    if rng.random() < 0.3:  # a nearly straight stem, as many people write it
        start = np.array([rng.uniform(0.5, 0.8), 0.0])
        stem = _bezier([start, (start + left) / 2 + rng.uniform(-0.05, 0.05, 2), left], 30)
    else:
        start = np.array([rng.uniform(0.6, 0.95), 0.0])
        bend = (rng.uniform(0.1, 0.45), rng.uniform(0.0, 0.2))
        stem = _bezier([start, bend, left + (0, -rng.uniform(0.0, 0.2)), left])
    loop = _arc(centre, radii, 180, 180 + rng.uniform(330, 380), 50)
    return np.concatenate([stem, loop])


PATHS = {2: two_path, 6: six_path}


def _wobble(points: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """Slow drift plus a little tremor along the path, as a hand on a mouse makes."""
    along = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    along = along / max(along[-1], 1e-9)
    drift = np.zeros_like(points)
    for _ in range(3):
        frequency, phase = rng.uniform(1, 5), rng.uniform(0, 2 * math.pi, 2)
        drift += amount * rng.uniform(0.3, 1) * np.sin(2 * math.pi * frequency * along[:, None] + phase)
    return points + drift + rng.normal(0, amount * 0.15, points.shape)


def _mouse_samples(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The path as mouse events: uneven steps, as the hand speeds up and slows down."""
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    along = np.concatenate([[0], np.cumsum(steps)])
    gaps = rng.uniform(3, 14, size=int(along[-1] / 3) + 2)
    positions = np.concatenate([[0], np.cumsum(gaps)])
    positions = np.append(positions[positions < along[-1]], along[-1])
    return np.stack([np.interp(positions, along, points[:, i]) for i in range(2)], axis=1)


def place(path: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """The unit-box path on the canvas in pixels, and a stroke width to draw it with."""
    height = rng.uniform(60, 260)
    width = height * rng.uniform(0.45, 1.0)
    slant = rng.uniform(-0.4, 0.4)  # positive leans the top to the right
    turn = math.radians(rng.uniform(-20, 20))
    xy = (path - 0.5) * (width, height)
    xy[:, 0] -= slant * xy[:, 1]
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    xy = xy @ rotation.T
    stroke = rng.uniform(max(5, height / 20), min(40, height / 5))
    margin = stroke / 2 + 2
    fits = (CANVAS - 2 * margin) / (xy.max(axis=0) - xy.min(axis=0)).max()
    xy *= min(1.0, fits)  # a turned digit can outgrow the canvas: nobody draws past its edge
    low, high = xy.min(axis=0), xy.max(axis=0)
    room = CANVAS - 2 * margin - (high - low)
    return xy - low + margin + rng.uniform(0, 1, 2) * room, stroke


def render(points: np.ndarray, stroke: float) -> np.ndarray:
    """(280, 280, 4) uint8: a white stroke with round ends and joints on black, as the canvas sends it."""
    image = Image.new("L", (CANVAS * SUPERSAMPLE, CANVAS * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(image)
    scaled = [tuple(p) for p in points * SUPERSAMPLE]
    width = max(1, round(stroke * SUPERSAMPLE))
    draw.line(scaled, fill=255, width=width, joint="curve")
    radius = width / 2
    for x, y in (scaled[0], scaled[-1]):
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    grey = np.asarray(image.resize((CANVAS, CANVAS), Image.Resampling.BOX))
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def drawing(digit: int, rng: np.random.Generator) -> np.ndarray:
    """One random drawing of `digit` (2 or 6) as the canvas's RGBA image data."""
    points, stroke = place(PATHS[digit](rng), rng)
    points = _wobble(points, rng.uniform(0.5, 3.0), rng)
    return render(_mouse_samples(points, rng), stroke)


def drawing_set(n_per_digit: int, seed: int = 0) -> list[tuple[int, np.ndarray]]:
    """(digit, RGBA image) pairs, n of each digit, alternating 2 and 6."""
    rng = np.random.default_rng(seed)
    return [(digit, drawing(digit, rng)) for _ in range(n_per_digit) for digit in (2, 6)]
