"""Memory on a server as one visitor opens the Data page for pair after pair: bounded, not one
copy of the data per pair kept for ever (bench/pair_memory.py goes through all 90 pairs)."""

from harness.memory import PAIRS, open_pairs
from harness.server import start_app, stop_app

GROWTH_MB = 400  # four tasks of about 50 MB kept, the raw images, and the allocator's slack


def test_twenty_pairs_do_not_grow_the_server_without_bound(tmp_path):
    process, url = start_app(tmp_path / "streamlit.log")
    try:
        memory = open_pairs(url, process.pid, PAIRS[:22])
    finally:
        stop_app(process)
    warm = memory[1]  # after two pairs: torch loaded, the first tasks made
    assert max(memory[2:]) - warm < GROWTH_MB, [round(m) for m in memory]
