"""Running independent pieces of a run (draw chunks, tiles of compounds) on threads, their
results taken in order."""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Iterator

__all__ = ["in_order"]


def in_order(call: Callable[..., Any], jobs: Iterable[tuple], workers: int) -> Iterator[Any]:
    """``call(*job)`` for every job, yielded in the jobs' order. With several workers at most
    ``workers + 1`` jobs are in flight on threads, so memory stays bounded."""
    if workers == 1:
        for job in jobs:
            yield call(*job)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fundmodel") as pool:
        pending: deque = deque()
        todo = iter(jobs)
        for job in todo:
            pending.append(pool.submit(call, *job))
            if len(pending) > workers:
                break
        while pending:
            result = pending.popleft().result()
            job = next(todo, None)
            if job is not None:
                pending.append(pool.submit(call, *job))
            yield result
