"""The app's processes measured from /proc (CPU time, memory, each summed over a process and its
descendants, and how busy the whole machine was), for the load tests; and a visitor who opens the
Data page for one digit pair after another: the server's memory as it goes."""

import itertools
import os
import re
import threading
from pathlib import Path

from harness.client import Session, in_own_thread

PAIRS = list(itertools.permutations(range(10), 2))  # 90 ordered pairs: "3-5" and "5-3" are different tasks


def process_tree(pid: int) -> list[int]:
    """The server process and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += children.get(tree[-1], [])
    return tree


def cpu_seconds(pid: int) -> float:
    """User and system CPU time used so far by the server's processes."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time the whole machine has been busy so far, every core and process (/proc/stat: all
    but idle and iowait; time stolen by a hypervisor counts as busy, as it was not ours)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int, field_name: str = "VmRSS") -> float:
    """A /proc status memory figure (VmRSS now, VmHWM peak) summed over the server's processes."""
    total = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total += int(re.search(rf"^{field_name}:\s+(\d+) kB", status, re.MULTILINE).group(1))
    return total / 1024


class PeakMemory:
    """Samples the server's RSS every `every` seconds in a thread, keeping the highest."""

    def __init__(self, pid: int, every: float = 0.1):
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, memory_mb(self.pid))
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


async def open_pair(url: str, pair: tuple[int, int]) -> list[str]:
    """The Data page of `pair` in a session of its own; the problems it showed."""
    session = Session(url)
    try:
        reply = await session.open("data", f"digits={pair[0]}-{pair[1]}")
        return reply.problems()
    finally:
        await session.close()


def open_pairs(url: str, pid: int, pairs, report=None) -> list[float]:
    """Open each pair's Data page in turn; the server's memory after each. `report(i, mb)` hears of each."""
    found = []
    for number, pair in enumerate(pairs, 1):
        problems = in_own_thread(open_pair(url, pair))
        if problems:
            raise RuntimeError(f"the Data page of {pair} showed problems: {problems}")
        found.append(memory_mb(pid))
        if report:
            report(number, found[-1])
    return found
