"""How the command line answers an interruption: Ctrl-C (``KeyboardInterrupt``) and SIGTERM
end the command with one line on standard error and exit 130 or 143 (128 + the signal's
number, as a shell reports it), never a traceback. Output sets being committed are rolled back
first (:mod:`fundmodel.export.files`): the exception unwinds through the writers."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["EXIT_INTERRUPTED", "EXIT_TERMINATED", "Terminated", "sigterm_raises"]

EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C (SIGINT, 2)."""
EXIT_TERMINATED = 143
"""Exit code after SIGTERM (15)."""


class Terminated(BaseException):
    """SIGTERM arrived: raised in the main thread, like ``KeyboardInterrupt`` for Ctrl-C, so
    that ``finally`` blocks and roll-backs run."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` in the main thread; the previous
    handler is restored on leaving. Elsewhere than in the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal,
                                                                                   "SIGTERM"):
        yield
        return
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except (ValueError, OSError):  # pragma: no cover - signals not available here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
