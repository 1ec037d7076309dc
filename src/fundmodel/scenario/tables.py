"""STUB (replaced by the tables branch): the compounds table."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["CompoundsTable", "read_compounds_table"]


@dataclass(frozen=True)
class CompoundsTable:
    source: str
    ids: tuple
    names: tuple
    streets: tuple
    households: np.ndarray
    floor_area_m2: np.ndarray
    chargeable_area_m2: np.ndarray
    buildings: np.ndarray
    storeys: np.ndarray
    built_year: np.ndarray
    lifts_possible: np.ndarray
    tier_planned: tuple
    x_km: np.ndarray
    y_km: np.ndarray
    neighbourhood: tuple
    condition_score: np.ndarray
    extra: dict = field(default_factory=dict)
    lines: tuple = ()
    columns: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.ids)

    def attribute(self, name):
        if name in self.extra:
            return self.extra[name]
        if name == "lifts_possible":
            return self.lifts_possible.astype(float)
        return np.asarray(getattr(self, name), dtype=float)

    def take(self, indexes):
        idx = np.asarray(indexes)
        kw = {}
        for k, v in self.__dict__.items():
            if isinstance(v, np.ndarray):
                kw[k] = v[idx]
            elif k in ("ids", "names", "streets", "tier_planned", "neighbourhood", "lines"):
                kw[k] = tuple(v[i] for i in idx)
            elif k == "extra":
                kw[k] = {n: a[idx] for n, a in v.items()}
            else:
                kw[k] = v
        return CompoundsTable(**kw)

    def to_frame(self):
        return pd.DataFrame({"id": self.ids, "name": self.names, "households": self.households})


def read_compounds_table(file, base_dir=None, allow_outside=False, sheet=None):
    path = os.path.join(base_dir or ".", file)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, rows = rows[0], rows[1:]
    col = {h: [r[i] for r in rows] for i, h in enumerate(header)}
    n = len(rows)

    def num(name, default=np.nan):
        if name not in col:
            return np.full(n, default)
        return np.array([float(v) if v != "" else default for v in col[name]])

    def text(name, default=""):
        return tuple(col.get(name, [default] * n))
    known = {"id", "name", "street", "households", "floor_area_m2", "chargeable_area_m2",
             "buildings", "storeys", "built_year", "lifts_possible", "tier_planned", "x_km",
             "y_km", "neighbourhood", "condition_score"}
    fa = num("floor_area_m2")
    ca = num("chargeable_area_m2")
    ca = np.where(np.isnan(ca), fa, ca)
    return CompoundsTable(
        source=file, ids=text("id"), names=tuple(col.get("name", col["id"])), streets=text("street"),
        households=num("households"), floor_area_m2=fa, chargeable_area_m2=ca,
        buildings=num("buildings"), storeys=num("storeys"), built_year=num("built_year"),
        lifts_possible=np.array([v.lower() in ("true", "1", "yes") for v in
                                 col.get("lifts_possible", ["false"] * n)]),
        tier_planned=text("tier_planned", "upgrade"), x_km=num("x_km"), y_km=num("y_km"),
        neighbourhood=text("neighbourhood"), condition_score=num("condition_score"),
        extra={k: num(k) for k in col if k not in known},
        lines=tuple(range(2, n + 2)), columns={h: i + 1 for i, h in enumerate(header)})
