"""Where a file will be written, checked before the work that makes it."""

from pathlib import Path


def check_writable(path, error: type[Exception], holding: str) -> None:
    """Raise `error` when `path` cannot take a new file holding `holding` ("the model"):
    checked before training, not after, since a file that cannot be saved wastes the run."""
    path = Path(path)
    try:
        is_folder, parent_is_folder = path.is_dir(), path.parent.is_dir()
    except OSError as exc:  # a name longer than the file system takes
        raise error(f"{path}: cannot be a file name here ({exc.strerror})") from None
    if is_folder:
        raise error(f"{path}: is a folder; give the name of a file to save {holding} to")
    if not parent_is_folder:
        raise error(f"{path}: no such folder to save {holding} in")
