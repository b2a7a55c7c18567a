import gzip

import numpy as np
import pytest

from digitnet.errors import DataError
from digitnet.files import idx
from digitnet.files.idx import format_idx, parse_idx, read_bytes


@pytest.mark.parametrize("shape", [(7,), (3, 5), (4, 28, 28)])
def test_round_trip(shape):
    array = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    parsed = parse_idx(format_idx(array), "x")
    assert parsed.dtype == np.uint8
    assert np.array_equal(parsed, array)


def test_header_is_big_endian():
    data = format_idx(np.zeros((2, 300), dtype=np.uint8))
    assert data[:4] == bytes([0, 0, 0x08, 2])
    assert int.from_bytes(data[8:12], "big") == 300


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b"\x01" + b[1:],  # first byte must be zero
        lambda b: b[:2] + b"\x0d" + b[3:],  # floats, not unsigned bytes
        lambda b: b[:3] + b"\x00" + b[4:],  # zero dimensions
        lambda b: b[:3] + b"\x04" + b[4:],  # four dimensions
        lambda b: b[:3],
    ],
)
def test_wrong_magic(change):
    data = change(format_idx(np.zeros((2, 3), dtype=np.uint8)))
    with pytest.raises(DataError, match="some.idx.*wrong magic"):
        parse_idx(data, "some.idx")


def test_truncated_header():
    data = format_idx(np.zeros((2, 3, 4), dtype=np.uint8))
    with pytest.raises(DataError, match="some.idx.*header is truncated"):
        parse_idx(data[:9], "some.idx")


@pytest.mark.parametrize("extra", [-1, -24, 1])
def test_data_length_must_match_header(extra):
    data = format_idx(np.zeros((2, 3, 4), dtype=np.uint8))
    data = data[:extra] if extra < 0 else data + b"\0" * extra
    with pytest.raises(DataError, match=r"some.idx.*promises shape \(2, 3, 4\)"):
        parse_idx(data, "some.idx")


def test_read_gzipped_and_plain(tmp_path):
    array = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)
    (tmp_path / "plain").write_bytes(format_idx(array))
    # The name says nothing: gzip is recognised by content.
    (tmp_path / "packed").write_bytes(gzip.compress(format_idx(array)))
    assert np.array_equal(parse_idx(read_bytes(tmp_path / "plain"), "plain"), array)
    assert np.array_equal(parse_idx(read_bytes(tmp_path / "packed"), "packed"), array)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="nothing.gz: file is missing"):
        read_bytes(tmp_path / "nothing.gz")


def test_damaged_gzip(tmp_path):
    packed = gzip.compress(format_idx(np.arange(200, dtype=np.uint8)))
    path = tmp_path / "cut.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DataError, match="cut.gz: damaged gzip"):
        read_bytes(path)


def test_gzip_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(idx, "MAX_BYTES", 1000)
    path = tmp_path / "big.gz"
    path.write_bytes(gzip.compress(bytes(1001)))
    with pytest.raises(DataError, match="big.gz: unpacks to more than 1000 bytes"):
        read_bytes(path)
    path.write_bytes(gzip.compress(bytes(1000)))
    assert read_bytes(path) == bytes(1000)
