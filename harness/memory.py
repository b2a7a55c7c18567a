"""A visitor who opens the Data page for one digit pair after another: the server's memory as it goes."""

import itertools
from pathlib import Path

from .client import Session, in_own_thread

PAIRS = list(itertools.permutations(range(10), 2))  # 90 ordered pairs: "3-5" and "5-3" are different tasks


def resident_mb(pid: int) -> float:
    """The process's resident memory (VmRSS) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


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
        found.append(resident_mb(pid))
        if report:
            report(number, found[-1])
    return found
