"""Readying a server process before its first learner asks for anything.

The first training in a process waits for what it imports on first use: torch itself
(about 2.5 s here) and, when the first torch.optim optimiser is built, torch._dynamo
(another 2.5 s; the hand-written SGD does not need it, Adam and momentum do). The app
does this once per process in the background, after its first page is drawn.
"""

from .data import DEFAULT_DIGITS, load_dataset


def prepare(threads: int, digits=DEFAULT_DIGITS) -> None:
    """Import torch with `threads` threads for its operations, import what the first
    optimiser from torch.optim imports, and load (and cache) the dataset of `digits`."""
    import torch

    torch.set_num_threads(threads)
    import torch._dynamo  # noqa: F401 - imported here rather than by the learner's first click

    load_dataset(digits)
