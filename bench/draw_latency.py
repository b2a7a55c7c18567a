"""Server-side time of the Draw page's answer: from the canvas's PNG to the prediction.

    python -m bench.draw_latency [--repeats 200]

For generated drawings of every digit (digitnet/drawing/generated.py) sent as the canvas sends them
(a PNG data URL), it times each step for the default models (linear and three-layer net,
2 vs 6 and all ten digits) and prints the median and 90th percentile in milliseconds:
decoding the PNG, preprocessing to 28x28, the prediction, the explanation, and the sum
of the first three ("preprocessing plus prediction"). The page's plotly figures are
timed too, for scale. One thread, as the app runs.
"""

import argparse
import base64
import io
import statistics
import time

import numpy as np
import torch
from PIL import Image

from digitnet.app_support.views.figures import contribution_map, heatmap, probability_bars
from digitnet.drawing.defaults import default_model
from digitnet.drawing.explain import explain
from digitnet.drawing.generated import DrawnSet, rgba
from digitnet.drawing.predict import classify
from digitnet.drawing.preprocess import preprocess
from digitnet.lesson.dataset import ALL_DIGITS, DEFAULT_DIGITS
from harness.drawings import png_data_url


def decode(url: str) -> np.ndarray:
    """What the canvas component's CanvasResult.image_data does with the data URL."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(";base64,", 1)[1]))))


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, (time.perf_counter() - start) * 1000


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    return f"median {statistics.median(ordered):6.2f}  p90 {ordered[int(0.9 * (len(ordered) - 1))]:6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="drawings timed per model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    urls = [png_data_url(rgba(canvas)) for _, canvas in DrawnSet(max(1, args.repeats // 10), seed=1).drawings()]
    print(f"{len(urls)} drawings per model; milliseconds per drawing")
    for digits in (DEFAULT_DIGITS, ALL_DIGITS):
        for kind in ("linear", "mlp"):
            model = default_model(kind, digits).model
            steps = {"decode png": [], "preprocess": [], "predict": [], "explain": []}
            totals = []
            for url in urls:
                pixels, decoding = timed(decode, url)
                image, preprocessing = timed(preprocess, pixels)
                _, predicting = timed(classify, model, image, digits)
                _, explaining = timed(explain, model, image, digits)
                for name, value in zip(steps, (decoding, preprocessing, predicting, explaining)):
                    steps[name].append(value)
                totals.append(decoding + preprocessing + predicting)
            task = "all ten" if digits == ALL_DIGITS else "2 vs 6"
            print(f"\n{kind}, {task}")
            for name, values in steps.items():
                print(f"  {name:<34} {summary(values)}")
            print(f"  {'decode + preprocess + predict':<34} {summary(totals)}")
    image = preprocess(decode(urls[0]))
    model = default_model("mlp", DEFAULT_DIGITS).model
    answer, why = classify(model, image, DEFAULT_DIGITS), explain(model, image, DEFAULT_DIGITS)
    figures = []
    for _ in range(20):
        start = time.perf_counter()
        probability_bars(answer.probabilities)
        heatmap(image, diverging=False)
        contribution_map(why.contributions, image, "towards 6", "towards 2")
        figures.append((time.perf_counter() - start) * 1000)
    print(f"\nthe page's three plotly figures       {summary(figures)}")


if __name__ == "__main__":
    main()
