"""Outputs written as a set: every command's files appear together, or the earlier ones stay untouched.

:func:`output_folder` yields a temporary folder beside ``--out``; the command writes everything there, and only
when the block finishes without error is the folder swapped in — on Linux with one atomic
``renameat2(RENAME_EXCHANGE)``, elsewhere with two renames while SIGINT/SIGTERM are held back. A failure, an
exception, Ctrl-C (SIGINT) or SIGTERM removes the temporary folder and leaves ``--out`` as it was.

Files in an existing ``--out`` that the run does not write are carried into the new set (hard links, no copy),
except those the command names in ``owns`` (its own outputs from an earlier run, which would otherwise mix old
and new results). :func:`check_writable` runs first, before any computing: a read-only ``--out``, a parent that
is a file or a folder that cannot be created is a :class:`~layout.errors.LayoutInputError` at once.

:func:`output_file` does the same for a command writing one file (a map, a table).

Example
-------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "plan"
>>> with output_folder(out) as tmp:
...     _ = (tmp / "a.txt").write_text("new")
>>> sorted(p.name for p in out.iterdir())
['a.txt']
>>> try:
...     with output_folder(out) as tmp:
...         _ = (tmp / "a.txt").write_text("half")
...         raise RuntimeError("failed half-way")
... except RuntimeError:
...     pass
>>> (out / "a.txt").read_text(), len(list(out.parent.iterdir()))
('new', 1)
"""

from __future__ import annotations

import ctypes
import errno
import fnmatch
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from layout.errors import LayoutInputError, Problem

__all__ = ["output_folder", "output_file", "check_writable", "interrupts_raise"]

_MAX_CARRIED = 20_000   # entries carried over from an old --out; more means --out is not an output folder
_TMP_TAG = ".tmp-"
_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None)
_UMASK = os.umask(0)
os.umask(_UMASK)


class Interrupted(SystemExit):
    """SIGTERM turned into an exception, so that ``finally`` blocks clean up (exit status 128 + signal)."""


def _raise_on_term(signum, frame):  # noqa: ARG001 (signal handler signature)
    raise Interrupted(128 + signum)


@contextmanager
def interrupts_raise() -> Iterator[None]:
    """Within the block SIGTERM raises :class:`Interrupted` (SIGINT already raises KeyboardInterrupt), so that
    temporary files are removed; handlers are restored after. Does nothing outside the main thread."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    old_int = signal.getsignal(signal.SIGINT)
    old_term = signal.signal(signal.SIGTERM, _raise_on_term)
    if old_int in (signal.SIG_DFL, signal.SIG_IGN, None):   # e.g. started in the background by a shell
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old_term)
        if old_int in (signal.SIG_DFL, signal.SIG_IGN):
            signal.signal(signal.SIGINT, old_int)


@contextmanager
def _held_signals() -> Iterator[None]:
    """SIGINT/SIGTERM are held back (delivered after the block) while the swap or the clean-up runs."""
    can = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    if can:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        if can:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _fail(path: Path, message: str, fix: str) -> LayoutInputError:
    return LayoutInputError([Problem(str(path), message, column="--out", fix=fix)], f"cannot write to {path}")


def check_writable(out: str | Path, *, folder: bool) -> Path:
    """Check that ``out`` can be written (and create its parent folders), before anything is computed.

    Parameters
    ----------
    out : str or Path
        The ``--out`` of a command.
    folder : bool
        Whether ``out`` is a folder of outputs (else one file).

    Returns
    -------
    Path
        ``out`` as a Path.

    Raises
    ------
    LayoutInputError
        ``out`` is a file where a folder is expected (or the reverse), a parent is a file, a folder on the way
        cannot be created, ``out`` or its parent is read-only, or ``out`` is the working folder itself.
    """
    out = Path(out)
    if str(out).strip() in ("", "."):
        raise _fail(out, "--out is the current folder", "give a folder of its own, e.g. --out out/plan")
    if out.exists():
        if folder and not out.is_dir():
            raise _fail(out, "--out is a file, not a folder", "give a folder name (it is created), or remove the file")
        if not folder and out.is_dir():
            raise _fail(out, "--out is a folder, not a file", "give a file name inside it, e.g. --out out/map.html")
        if not os.access(out, os.W_OK):
            raise _fail(out, "--out is read-only", "choose another --out, or make it writable (chmod u+w)")
        if folder:
            here = Path.cwd().resolve()
            target = out.resolve()
            if target == here or target in here.parents:
                raise _fail(out, "--out is the working folder (or holds it)",
                            "give a folder of its own, e.g. --out out/plan: it is replaced as a whole")
    parent = out.parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise _fail(out, f"a parent of --out is a file: {probe}", "choose another --out, or move that file away")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.probe-", dir=parent)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise _fail(out, f"cannot write in {parent} ({exc.strerror or exc})",
                    "choose a folder you may write to, or make it writable") from None
    return out


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where that is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(tmp: Path, out: Path) -> Path | None:
    """Put ``tmp`` at ``out``; returns the path now holding the old ``out`` (to remove), if any."""
    for _ in range(10):   # another run may swap the same --out at the same moment: try again
        if not out.exists():
            try:
                os.rename(tmp, out)
                return None
            except OSError as exc:
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    continue
                raise
        if _exchange(tmp, out):
            return tmp
        backup = out.with_name(f".{out.name}{_TMP_TAG}{os.getpid()}-old")
        try:
            os.rename(out, backup)
        except FileNotFoundError:
            continue
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(backup, out)
            raise
        return backup
    raise OSError(errno.EBUSY, "--out kept changing while swapping in the new outputs", str(out))


def _owned(name: str, owns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in owns)


def _carry_over(old: Path, new: Path, owns: tuple[str, ...]) -> None:
    """Hard-link into ``new`` what ``old`` holds that the run did not write and does not own."""
    if not old.is_dir():
        return
    entries = [e for e in os.scandir(old) if not (new / e.name).exists() and not _owned(e.name, owns)
               and not e.name.startswith(f".{old.name}{_TMP_TAG}")]
    count = 0
    for e in entries:
        src, dst = Path(e.path), new / e.name
        try:
            if e.is_symlink():
                os.symlink(os.readlink(src), dst)
            elif e.is_dir():
                for _root, _dirs, files in os.walk(src):
                    count += len(files) + len(_dirs)
                    if count > _MAX_CARRIED:
                        raise _fail(old, f"--out holds more than {_MAX_CARRIED} other files",
                                    "give a folder of its own for the outputs, e.g. --out out/plan")
                shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(src, dst)
            count += 1
        except FileNotFoundError:   # removed meanwhile (another run replaced --out): nothing to carry
            continue
        if count > _MAX_CARRIED:
            raise _fail(old, f"--out holds more than {_MAX_CARRIED} other files",
                        "give a folder of its own for the outputs, e.g. --out out/plan")


def _link_or_copy(src, dst) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _remove_stale(out: Path) -> None:
    """Temporary folders of earlier runs that were killed outright (SIGKILL, power cut) beside ``out``."""
    prefix = f".{out.name}{_TMP_TAG}"
    try:
        siblings = list(out.parent.iterdir())
    except OSError:
        return
    for p in siblings:
        if not p.name.startswith(prefix):
            continue
        pid = p.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


@contextmanager
def output_folder(out: str | Path, *, owns: Iterable[str] = ()) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write a command's outputs into; swapped in only on success.

    Parameters
    ----------
    out : str or Path
        The ``--out`` folder (created if missing; an existing one is replaced as a whole).
    owns : iterable of str
        File-name patterns of this command's own outputs (``"report.*"``): in an existing ``out`` they are
        dropped when the run does not write them again, so no result of an earlier run is left beside the new
        ones. Other files there are kept.

    Yields
    ------
    Path
        The temporary folder: write every output into it.

    Raises
    ------
    LayoutInputError
        From :func:`check_writable`, before the block runs.

    Example
    -------
    An earlier run left ``old.csv`` (this command's kind of output) and someone's ``notes.txt`` in ``out/plan``:

    >>> from pathlib import Path
    >>> earlier = Path("out/plan")
    >>> earlier.mkdir(parents=True)
    >>> _ = (earlier / "old.csv").write_text("stale", encoding="utf-8")
    >>> _ = (earlier / "notes.txt").write_text("kept", encoding="utf-8")
    >>> with output_folder("out/plan", owns=("*.csv",)) as tmp:
    ...     _ = (tmp / "schools.csv").write_text("school_id,name", encoding="utf-8")
    >>> sorted(p.name for p in Path("out/plan").iterdir())     # the new set, and what the command does not own
    ['notes.txt', 'schools.csv']
    """
    out = check_writable(out, folder=True)
    if out.is_symlink():   # swap the folder the link points to, not the link
        out = out.resolve()
    _remove_stale(out)
    owns = tuple(owns)
    with interrupts_raise():
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}{_TMP_TAG}{os.getpid()}-", dir=out.parent))
        leftover: Path | None = tmp
        try:
            yield tmp
            _carry_over(out, tmp, owns)
            os.chmod(tmp, 0o777 & ~_UMASK)
            with _held_signals():
                leftover = _swap_in(tmp, out)
        finally:
            with _held_signals():
                if leftover is not None:
                    shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def output_file(path: str | Path) -> Iterator[Path]:
    """Guard a command that writes one file: checks it can be written before computing, and turns SIGTERM
    into an exception so the writer's temporary file is removed. The writer itself must write atomically
    (:func:`layout.io.write.atomic_path`); the path yielded is ``path``.

    Example
    -------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "sub" / "map.html"
    >>> with output_file(target) as p:
    ...     _ = p.write_text("<html></html>")
    >>> target.read_text()
    '<html></html>'
    """
    path = check_writable(path, folder=False)
    with interrupts_raise():
        yield path
