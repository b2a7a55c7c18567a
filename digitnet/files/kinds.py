"""What a path names when it is not a file. Reading a pipe waits for a writer for ever, a device such as
/dev/zero never ends, and writing /dev/full fails once the work is done: each is refused before it is opened."""

import stat
from pathlib import Path

KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a pipe", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device",
         stat.S_IFSOCK: "a socket"}


def not_a_file(path) -> str | None:
    """None when `path` is a file (or a link to one), else what it is: "a folder", "a pipe", "a device"...
    OSError when nothing is there or it cannot be looked at; ValueError for a name holding a NUL."""
    mode = Path(path).stat().st_mode
    return None if stat.S_ISREG(mode) else KINDS.get(stat.S_IFMT(mode), "something other than a file")
