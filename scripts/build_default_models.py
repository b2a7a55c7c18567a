"""Build the default models in assets/models/: 2 vs 6 and all ten digits, linear and three-layer net.

    .venv/bin/python -m scripts.build_default_models

Each is trained by digitnet.drawing.defaults.train_default on the shipped MNIST with the
recipe in digitnet.drawing.defaults.recipe (shuffled, Adam at lr 0.003, batch size 64,
seed 0; the three-layer net with augmentation), on one thread as the app trains, and
saved as a safetensors file whose header records those settings, the validation scores,
the torch version and this script. Takes two to four minutes on two cores.
"""

import time

import torch

from digitnet.drawing.defaults import MODELS, SHIPPED_DIGITS, shipped_path, train_default
from digitnet.files.modelfile import save_model
from digitnet.lesson.models import KINDS


def main() -> None:
    torch.set_num_threads(1)
    MODELS.mkdir(parents=True, exist_ok=True)
    for digits in SHIPPED_DIGITS:
        for kind in KINDS:
            started = time.perf_counter()
            saved = train_default(kind, digits)
            metrics = {**saved.metrics, "built_by": "scripts/build_default_models.py", "torch": torch.__version__}
            path = save_model(shipped_path(kind, digits), saved.model, saved.settings, metrics)
            print(
                f"{path.name}: {saved.describe()}, {saved.settings.epochs} epochs, seed {saved.settings.seed}; "
                f"{path.stat().st_size:,} bytes, {time.perf_counter() - started:.1f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
