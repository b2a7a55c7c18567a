"""Where a file will be written: checked before the work that makes it, then written whole or not at all."""

import os
import secrets
from pathlib import Path

from .kinds import not_a_file


def check_writable(path, error: type[Exception], holding: str, replace: bool = False) -> None:
    """Raise `error` when `path` cannot take a new file holding `holding` ("the model"): checked before
    training, not after, since a file that cannot be saved wastes the run. A file already there is kept
    unless `replace`; a link is never written through, nor a device or a pipe."""
    path = Path(path)
    try:
        is_link, exists, parent_is_folder = path.is_symlink(), path.exists(), path.parent.is_dir()
        kind = not_a_file(path) if exists and not is_link else None
    except OSError as exc:  # a name longer than the file system takes
        raise error(f"{path}: cannot be a file name here ({exc.strerror})") from None
    if is_link:
        raise error(f"{path}: is a link; give the name of a file itself to save {holding} to")
    if kind == "a folder":
        raise error(f"{path}: is a folder; give the name of a file to save {holding} to")
    if kind:
        raise error(f"{path}: is {kind}, not a file; give the name of a file to save {holding} to")
    if exists and not replace:
        raise error(f"{path}: already exists; give another name, or add --force to replace it")
    if not parent_is_folder:
        raise error(f"{path}: no such folder to save {holding} in")
    try:  # a read-only folder, or one the user may not write in: found by trying
        descriptor, trial = _new_file_beside(path)
    except OSError as exc:
        raise error(f"{path}: cannot be written here ({exc.strerror})") from None
    os.close(descriptor)
    trial.unlink()


def write_file(path, data: bytes, error: type[Exception], holding: str, replace: bool = False) -> Path:
    """`data` written to `path` whole or not at all: into a new file beside it, then renamed over it, so a
    full disk or a stop half way never leaves half a file. Checked again first: the folder may have
    changed while the work was done."""
    path = Path(path)
    check_writable(path, error, holding, replace)
    try:
        descriptor, written = _new_file_beside(path)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(written, path)
        except BaseException:
            written.unlink(missing_ok=True)
            raise
    except OSError as exc:  # no space left, no permission
        raise error(f"{path}: cannot be written ({exc.strerror})") from None
    return path


def _new_file_beside(path: Path) -> tuple[int, Path]:
    """A new, empty file in `path`'s folder, open for writing, with the permissions a file of its own would get."""
    name = path.parent / f".digitnet-{secrets.token_hex(6)}.part"
    return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), name
