"""Connecting to a Dask scheduler for :func:`~fundmodel.portfolio.simulate_portfolio`
(``fundmodel district --scheduler ADDRESS``): a bad address or a scheduler that does not answer
within a short timeout is one clear :class:`~fundmodel.errors.ModelError`, never a traceback
nor a long wait."""

from __future__ import annotations

from ..errors import ModelError, printable

__all__ = ["DEFAULT_TIMEOUT_S", "connect"]

DEFAULT_TIMEOUT_S = 10.0
"""How long to wait for a scheduler to answer, seconds (``--scheduler-timeout``)."""

_MAX_SHOWN = 80
"""Longest address repeated in a message, characters."""


def _shown(address: str) -> str:
    text = printable(address)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN - 1] + "…"


def connect(address: str, timeout_s: float = DEFAULT_TIMEOUT_S):
    """A ``distributed.Client`` of the scheduler at ``address`` (e.g. ``tcp://10.0.0.5:8786``).

    Raises
    ------
    ModelError
        If dask.distributed is not installed, ``address`` is not a scheduler address (an
        unknown scheme, no port...), or no scheduler answers there within ``timeout_s``
        seconds."""
    if not isinstance(timeout_s, (int, float)) or not 0 < timeout_s <= 3600:
        raise ModelError(f"the scheduler timeout must be from 0 to 3,600 s, got {timeout_s!r}")
    try:
        from distributed import Client
    except ImportError:
        raise ModelError("a scheduler needs dask.distributed: pip install 'fundmodel[dask]'"
                         ) from None
    if not address.strip():
        raise ModelError("the scheduler address is empty (e.g. tcp://10.0.0.5:8786)")
    try:
        return Client(address, timeout=timeout_s)
    except (ValueError, TypeError, AssertionError) as exc:
        why = f": {printable(str(exc))[:200]}" if str(exc) else ""
        raise ModelError(f"{_shown(address)!r} is not a scheduler address (e.g. "
                         f"tcp://10.0.0.5:8786){why}") from None
    except Exception as exc:  # noqa: BLE001 - refused, timed out, not a scheduler...
        why = printable(str(exc))[:200] or type(exc).__name__
        raise ModelError(f"cannot connect to the scheduler at {_shown(address)} within "
                         f"{timeout_s:g} s ({why})") from None
