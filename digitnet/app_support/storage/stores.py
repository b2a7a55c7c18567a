"""The app's database as a server process uses it: the class boards, the learners' saved work, the
classes, and the one outbox that writes, in order."""

from dataclasses import dataclass

from .board import Board
from .classes import Classes
from .database import Database
from .outbox import Outbox
from .saved_work import SavedWork


@dataclass(frozen=True)
class Stores:
    board: Board
    saved: SavedWork
    classes: Classes
    outbox: Outbox

    @classmethod
    def at(cls, url: str) -> "Stores":
        """The stores of the database at `url`; DatabaseUnavailable when the URL is unusable."""
        database = Database(url)
        return cls(Board(database), SavedWork(database), Classes(database), Outbox())
