"""Build the default models in assets/models/: 2 vs 6 and all ten digits, linear and three-layer net.

    .venv/bin/python -m scripts.build_default_models

Each is trained by digitnet.drawing.defaults.train_default with the settings of
digitnet.drawing.defaults.recipe, on the shipped MNIST, seeded, on one thread as the app
trains, and saved as a safetensors file whose header records those settings, the validation
scores, the torch version and this script. The linear models train as a learner's run does
(seconds). The three-layer nets are trained to read drawings (shipped_nets.train_to_read_drawings):
their header also holds the recipe and the "not sure" threshold. They share the augmented
copies of MNIST, of the generated drawings of digits and of the generated non-digits, made once;
drawing and copying them takes most of the build's time (about 12 of its 16 minutes on a busy
2-core machine).
"""

import time

import torch

from digitnet.drawing.defaults import MODELS, SHIPPED_DIGITS, reads_drawings, shipped_path, train_default
from digitnet.drawing.shipped_nets import TrainingImages
from digitnet.files.modelfile import save_model
from digitnet.lesson.models import KINDS


def main() -> None:
    torch.set_num_threads(1)
    MODELS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    images = None
    for digits in SHIPPED_DIGITS:
        for kind in KINDS:
            if reads_drawings(kind, digits) and images is None:
                images = TrainingImages.make(log=lambda text: print(text, flush=True))
            begun = time.perf_counter()
            saved = train_default(kind, digits, images=images, log=lambda text: print(text, flush=True))
            metrics = {**saved.metrics, "built_by": "scripts/build_default_models.py", "torch": torch.__version__}
            path = save_model(shipped_path(kind, digits), saved.model, saved.settings, metrics, replace=True)
            print(
                f"{path.name}: {saved.describe()}, {saved.settings.epochs} epochs, seed {saved.settings.seed}; "
                f"{path.stat().st_size:,} bytes, {time.perf_counter() - begun:.1f} s",
                flush=True,
            )
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
