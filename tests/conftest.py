"""Shared test set-up: tests name example files relative to the repository root, so run each
test from there whatever folder pytest was started in."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _run_from_repository_root(monkeypatch):
    monkeypatch.chdir(ROOT)
