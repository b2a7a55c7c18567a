import gzip
import shutil

import numpy as np
import pytest
from PIL import Image

from digitnet.errors import DataError
from digitnet.files.idx import format_idx
from digitnet.files.mnist import ASSETS, ENV_VAR, Assets, IdxFiles, PngFolder, asset_name, open_source
from digitnet.lesson import dataset as data

RNG = np.random.default_rng(0)


def random_images(n):
    return RNG.integers(0, 256, (n, 28, 28), dtype=np.uint8)


def write_idx_folder(folder, train_labels, test_labels):
    """The four MNIST files: training set gzipped, test set plain, as people download them."""
    folder.mkdir(exist_ok=True)
    train, test = random_images(len(train_labels)), random_images(len(test_labels))
    labels = [np.array(train_labels, dtype=np.uint8), np.array(test_labels, dtype=np.uint8)]
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(format_idx(train)))
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(format_idx(labels[0])))
    (folder / "t10k-images-idx3-ubyte").write_bytes(format_idx(test))
    (folder / "t10k-labels-idx1-ubyte").write_bytes(format_idx(labels[1]))
    return train, test


def write_pngs(folder, split, digit, images):
    digit_folder = folder / split / str(digit)
    digit_folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images):
        Image.fromarray(image).save(digit_folder / f"{i:03}.png")
    return digit_folder


@pytest.fixture
def fresh_sources():
    """open_source and the dataset loader are cached per process: start and end clean."""
    open_source.cache_clear()
    data._load.cache_clear()
    yield
    open_source.cache_clear()
    data._load.cache_clear()


@pytest.fixture
def assets(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(ASSETS, folder)
    return folder


def test_assets_hold_every_digit():
    source = Assets()
    twos = source.images("train", 2)
    assert twos.dtype == np.uint8
    assert twos.shape[1:] == (28, 28)
    total = sum(len(source.images("test", d)) for d in range(10))
    assert total == 10_000


def test_damaged_asset_is_named(assets):
    path = assets / asset_name("train", 6)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    source = Assets(assets)
    assert len(source.images("train", 2)) > 0
    with pytest.raises(DataError, match=r"train-6\.idx\.gz: file is damaged.*SHA-256"):
        source.images("train", 6)


def test_missing_asset_is_named(assets):
    (assets / asset_name("test", 2)).unlink()
    with pytest.raises(DataError, match=r"test-2\.idx\.gz: file is missing"):
        Assets(assets).images("test", 2)


def test_missing_checksums(assets):
    (assets / "SHA256SUMS").unlink()
    with pytest.raises(DataError, match="SHA256SUMS: checksum list is missing"):
        Assets(assets)


def test_idx_files(tmp_path):
    train, test = write_idx_folder(tmp_path, [3, 5, 3, 3, 1], [5, 3, 5])
    source = open_source(str(tmp_path))
    assert isinstance(source, IdxFiles)
    assert np.array_equal(source.images("train", 3), train[[0, 2, 3]])
    assert np.array_equal(source.images("train", 5), train[[1]])
    assert np.array_equal(source.images("test", 5), test[[0, 2]])
    assert len(source.images("test", 1)) == 0


def test_idx_files_with_dots_in_names(tmp_path):
    # Some mirrors name them train-images.idx3-ubyte.
    write_idx_folder(tmp_path, [1, 2], [1])
    for path in tmp_path.iterdir():
        path.rename(path.with_name(path.name.replace("-idx", ".idx")))
    assert len(IdxFiles(tmp_path).images("train", 2)) == 1


def test_idx_labels_must_match_images(tmp_path):
    write_idx_folder(tmp_path, [1, 2, 3], [1])
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(format_idx(np.array([1, 2], np.uint8))))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz: expected 3 labels"):
        IdxFiles(tmp_path).images("train", 1)


def test_idx_images_must_be_28x28(tmp_path):
    write_idx_folder(tmp_path, [1], [1])
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(format_idx(np.zeros((1, 14, 14), np.uint8)))
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte: expected 28x28 images"):
        IdxFiles(tmp_path).images("test", 1)


def test_idx_file_missing(tmp_path):
    write_idx_folder(tmp_path, [1], [1])
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="no file matching t10k-labels"):
        IdxFiles(tmp_path).images("test", 1)


def test_idx_wrong_magic_and_truncated(tmp_path):
    write_idx_folder(tmp_path, [1], [1])
    path = tmp_path / "t10k-images-idx3-ubyte"
    good = path.read_bytes()
    path.write_bytes(b"\x08\x08" + good[2:])
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte: .*wrong magic"):
        IdxFiles(tmp_path).images("test", 1)
    path.write_bytes(good[:-5])
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte: .*promises shape"):
        IdxFiles(tmp_path).images("test", 1)


def test_png_folder(tmp_path):
    sevens = random_images(3)
    write_pngs(tmp_path, "training", 7, sevens)
    (tmp_path / "training" / "7" / ".DS_Store").write_bytes(b"not a png")
    write_pngs(tmp_path, "testing", 7, sevens[:1])
    source = open_source(str(tmp_path))
    assert isinstance(source, PngFolder)
    assert np.array_equal(source.images("train", 7), sevens)
    assert np.array_equal(source.images("test", 7), sevens[:1])


def test_png_folder_converts_colour(tmp_path):
    folder = tmp_path / "training" / "4"
    folder.mkdir(parents=True)
    Image.new("RGB", (28, 28), (255, 255, 255)).save(folder / "white.png")
    images = PngFolder(tmp_path).images("train", 4)
    assert images.shape == (1, 28, 28)
    assert (images == 255).all()


def test_corrupt_png_is_named(tmp_path):
    folder = write_pngs(tmp_path, "training", 1, random_images(2))
    (folder / "bad.png").write_bytes(b"this is not a png")
    with pytest.raises(DataError, match=r"bad\.png: not a readable png"):
        PngFolder(tmp_path).images("train", 1)


def test_truncated_png_is_named(tmp_path):
    folder = write_pngs(tmp_path, "training", 1, random_images(1))
    data = (folder / "000.png").read_bytes()
    (folder / "000.png").write_bytes(data[: len(data) - 40])
    with pytest.raises(DataError, match=r"000\.png: not a readable png"):
        PngFolder(tmp_path).images("train", 1)


def test_png_of_wrong_size_is_named(tmp_path):
    folder = write_pngs(tmp_path, "testing", 0, random_images(1))
    Image.new("L", (32, 28)).save(folder / "wide.png")
    with pytest.raises(DataError, match=r"wide\.png: is 32x28, MNIST images are 28x28"):
        PngFolder(tmp_path).images("test", 0)


def test_png_digit_folder_empty(tmp_path):
    (tmp_path / "testing" / "9").mkdir(parents=True)
    (tmp_path / "testing" / "9" / "notes.txt").write_text("nothing here")
    with pytest.raises(DataError, match=r"9: no \.png images of digit 9"):
        PngFolder(tmp_path).images("test", 9)


def test_open_source_refuses_other_folders(tmp_path):
    with pytest.raises(DataError, match="not a folder of MNIST data"):
        open_source(str(tmp_path / "nowhere"))
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(DataError, match="holds neither"):
        open_source(str(tmp_path))


def test_environment_variable_picks_source(tmp_path, monkeypatch, fresh_sources):
    for digit, n in ((7, 2), (0, 3)):
        write_pngs(tmp_path, "training", digit, random_images(n))
        write_pngs(tmp_path, "testing", digit, random_images(1))
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    source = open_source()
    assert isinstance(source, PngFolder)
    assert source.folder == tmp_path
    dataset = data.load_dataset("7 0")
    assert len(dataset.train_x) == 5 and len(dataset.valid_x) == 2
    assert str(tmp_path) in dataset.source


def test_default_source_is_assets(monkeypatch, fresh_sources):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert isinstance(open_source(), Assets)
