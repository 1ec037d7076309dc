"""Progress of a long run, shown where the analyst is: a rich bar in a terminal, a plain line
every few seconds in a log (standard error not a terminal: CI, ``2> log``), a line updated in
place in a Jupyter notebook.

A *reporter* is told ``start(total, unit)``, then ``update(done)`` after each chunk (draws) or
tile (compounds), and ``close()`` at the end (also after an error). :func:`reporter` turns what
a caller passes as ``progress`` — False, True, a callable ``f(done, total)`` or a
:class:`Reporter` — into one; :func:`simulate` and :func:`simulate_portfolio` both use it.
Nothing here runs at import: rich and IPython are imported only by the reporter that needs them.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

__all__ = ["Reporter", "PlainReporter", "NotebookReporter", "RichReporter", "in_notebook",
           "progress_line", "reporter", "reporter_for"]

PLAIN_INTERVAL_S = 5.0
"""Seconds between two lines of :class:`PlainReporter`."""

NOTEBOOK_INTERVAL_S = 0.25
"""Seconds between two redraws of :class:`NotebookReporter`."""


def progress_line(unit: str, done: int, total: int, elapsed_s: float) -> str:
    """``draws 40,000/100,000 (40%) 12.3 s, ~18 s left``: how far a run is.

    The time left assumes the rate so far: ``elapsed_s × (total − done) / done`` seconds; it
    is left out when nothing is done yet or everything is."""
    share = done / total if total > 0 else 1.0
    text = f"{unit} {done:,}/{total:,} ({share:.0%}) {elapsed_s:.1f} s"
    if 0 < done < total:
        text += f", ~{elapsed_s * (total - done) / done:.0f} s left"
    return text


class Reporter:
    """Base of the reporters: does nothing. Subclasses override :meth:`start`,
    :meth:`update` and :meth:`close`; ``total`` and ``unit`` are kept by :meth:`start`."""

    total: int = 0
    unit: str = "draws"

    def start(self, total: int, unit: str = "draws") -> None:
        self.total, self.unit = int(total), unit

    def update(self, done: int) -> None:
        pass

    def close(self) -> None:
        pass


class _CallbackReporter(Reporter):
    """A user's callable ``f(done, total)``, called after each chunk or tile."""

    def __init__(self, callback: Callable[[int, int], None]):
        self.callback = callback

    def update(self, done: int) -> None:
        self.callback(done, self.total)


class PlainReporter(Reporter):
    """One line of :func:`progress_line` on ``stream`` every ``interval_s`` seconds, and one at
    the end (when ``done`` reaches ``total``): for logs, where a bar drawn with control
    characters would be garbage. ``clock`` (seconds, monotonic) is a parameter for tests."""

    def __init__(self, stream: TextIO | None = None, interval_s: float = PLAIN_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.interval_s = float(interval_s)
        self.clock = clock

    def start(self, total: int, unit: str = "draws") -> None:
        super().start(total, unit)
        self.started = self.last = self.clock()

    def update(self, done: int) -> None:
        now = self.clock()
        if done >= self.total or now - self.last >= self.interval_s:
            self.last = now
            stream = self.stream if self.stream is not None else sys.stderr
            try:
                stream.write(progress_line(self.unit, done, self.total, now - self.started)
                             + "\n")
                stream.flush()
            except (OSError, ValueError):  # a closed or full log never stops the run
                pass


class NotebookReporter(Reporter):
    """A text bar in a Jupyter notebook's output, redrawn in place (IPython's
    ``display(..., display_id=True)`` then ``update``) at most every ``interval_s`` seconds
    and at the end. Needs no widget library; IPython is imported when the run starts."""

    WIDTH = 30

    def __init__(self, interval_s: float = NOTEBOOK_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic):
        self.interval_s = float(interval_s)
        self.clock = clock
        self.handle = None

    def _text(self, done: int, now: float) -> str:
        filled = int(self.WIDTH * done / self.total) if self.total > 0 else self.WIDTH
        bar = "█" * filled + "░" * (self.WIDTH - filled)
        return f"{bar} {progress_line(self.unit, done, self.total, now - self.started)}"

    def start(self, total: int, unit: str = "draws") -> None:
        from IPython.display import display

        super().start(total, unit)
        self.started = self.last = self.clock()
        self.handle = display(_PlainText(self._text(0, self.started)), display_id=True)

    def update(self, done: int) -> None:
        now = self.clock()
        if self.handle is not None and (done >= self.total
                                        or now - self.last >= self.interval_s):
            self.last = now
            self.handle.update(_PlainText(self._text(done, now)))


class _PlainText:
    """An object IPython shows as this text (``text/plain``), whatever the front end."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


class RichReporter(Reporter):
    """rich's progress bar on ``stream`` (default standard error), removed when the run ends:
    for a terminal."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self.bar = None

    def start(self, total: int, unit: str = "draws") -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeRemainingColumn)

        super().start(total, unit)
        console = Console(stderr=True) if self.stream is None else Console(file=self.stream)
        self.bar = Progress(TextColumn(unit.replace("[", r"\[")), BarColumn(),
                            MofNCompleteColumn(), TimeRemainingColumn(), console=console,
                            transient=True)
        self.task = self.bar.add_task(unit, total=total)
        self.bar.start()

    def update(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def in_notebook() -> bool:
    """True in a Jupyter kernel (notebook, JupyterLab, VS Code, Colab): IPython is already
    imported (this never imports it) and its shell is a ``ZMQInteractiveShell`` (or a
    subclass). A terminal IPython is not a notebook."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is None:
        return False
    try:
        shell = get_ipython()
    except Exception:  # a half-imported or unusual IPython: not a notebook we can draw in
        return False
    return shell is not None and any(cls.__name__ == "ZMQInteractiveShell"
                                     for cls in type(shell).__mro__)


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def reporter_for(stream: TextIO | None = None) -> Reporter:
    """The reporter this environment calls for: in a notebook :class:`NotebookReporter`;
    else on ``stream`` (default standard error) a :class:`RichReporter` if it is a terminal,
    a :class:`PlainReporter` if not."""
    if in_notebook():
        return NotebookReporter()
    target = stream if stream is not None else sys.stderr
    return RichReporter(stream) if _isatty(target) else PlainReporter(stream)


def reporter(progress, total: int, unit: str = "draws") -> Reporter:
    """A started reporter for what a caller passed as ``progress``: False or None (nothing),
    True (:func:`reporter_for` standard error), a :class:`Reporter`, or a callable called
    as ``f(done, total)``."""
    if isinstance(progress, Reporter):
        chosen = progress
    elif callable(progress):
        chosen = _CallbackReporter(progress)
    elif progress:
        chosen = reporter_for()
    else:
        chosen = Reporter()
    chosen.start(total, unit)
    return chosen
