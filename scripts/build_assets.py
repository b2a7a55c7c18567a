"""Build assets/mnist/ from the four MNIST IDX files: one small gzipped IDX file per split and
digit; and assets/icon.png, the app's browser-tab icon: the first 6 of the training set.

    python -m scripts.build_assets [../shared/mnist]

Per-digit files keep each file far under Hugging Face's 10 MB limit, and a task such as
2 vs 6 reads only the four files it needs. gzip with mtime 0 makes the build reproducible.
"""

import gzip
import hashlib
import sys
from pathlib import Path

from PIL import Image

from digitnet.files.idx import format_idx, read_bytes
from digitnet.files.mnist import ASSETS, CHECKSUMS, SPLITS, IdxFiles, asset_name

ICON = ASSETS.parent / "icon.png"

# SHA-256 of the canonical, uncompressed MNIST files (as listed with ../shared/mnist).
CANONICAL_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


def check_canonical(folder: Path) -> None:
    for name, expected in CANONICAL_SHA256.items():
        path = next(folder.glob(name + "*"))
        if hashlib.sha256(read_bytes(path)).hexdigest() != expected:
            sys.exit(f"{path}: not the canonical MNIST file (SHA-256 differs)")


def main(source_folder: str = "../shared/mnist") -> None:
    check_canonical(Path(source_folder))
    source = IdxFiles(Path(source_folder))
    ASSETS.mkdir(parents=True, exist_ok=True)
    sums = []
    for split in SPLITS:
        for digit in range(10):
            name = asset_name(split, digit)
            packed = gzip.compress(format_idx(source.images(split, digit)), compresslevel=9, mtime=0)
            (ASSETS / name).write_bytes(packed)
            sums.append(f"{hashlib.sha256(packed).hexdigest()}  {name}\n")
            print(f"{name}: {len(packed):,} bytes")
    (ASSETS / CHECKSUMS).write_text("".join(sums))
    Image.fromarray(source.images("train", 6)[0]).save(ICON, optimize=True)
    print(f"{ICON.name}: {ICON.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(*sys.argv[1:])
