"""One learner's session: the settings they chose and every model they made.

The app keeps one Lab per browser session; nothing in it is shared between sessions.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .settings import Settings

if TYPE_CHECKING:  # importing them needs torch, which the first page can do without
    from .data import Dataset
    from .learner import Run
    from .modelfile import SavedModel


class Lab:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.runs: list[Run] = []

    def start_run(self, data: Dataset) -> Run:
        """A new run with the current settings, kept in the history."""
        from .learner import Run

        run = Run(self.settings, data, name=f"run {len(self.runs) + 1}")
        self.runs.append(run)
        return run

    def add_saved(self, saved: SavedModel, data: Dataset, file_name: str) -> Run:
        from .learner import Run

        run = Run(saved.settings, data, model=saved.model, name=f"{file_name} (uploaded)")
        self.runs.append(run)
        return run

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait for runs that are still training elsewhere: Streamlit starts a page's new run
        as soon as a click stops the old one, and the old one lets go of its run only at its
        next update. False if one is still training after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        return all(run.wait_idle(max(0.0, deadline - time.monotonic())) for run in self.runs)

    def latest(self, digits=None) -> Run | None:
        """The newest run with a usable model, for the given digits if any."""
        for run in reversed(self.runs):
            if run.usable and digits in (None, run.settings.digits):
                return run
        return None
