"""Readying a server process before its first learner asks for anything.

The first training in a process waits for what it imports on first use: torch itself
and, when the first torch.optim optimiser is built, torch._dynamo (the hand-written SGD
does not need it, Adam and momentum do); bench/startup.py measures both. The app does
this once per process in the background, after its first page is drawn.
"""

from ...lesson.dataset import DEFAULT_DIGITS, load_dataset


def set_up_torch(threads: int) -> None:
    """Import torch and give its operations `threads` threads."""
    import torch

    torch.set_num_threads(threads)


def warm_up(threads: int, digits=DEFAULT_DIGITS) -> None:
    """Set up torch, import what the first optimiser from torch.optim imports, and load
    (and cache) the dataset of `digits`."""
    set_up_torch(threads)
    import torch._dynamo  # noqa: F401 - imported here rather than by the learner's first click

    load_dataset(digits)
