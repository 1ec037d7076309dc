"""What a run leaves behind: tables written as one atomic set with a run record (``files``);
the Excel workbook, charts and HTML report are further modules, and ``console`` the tables the
command prints. The names below come from ``files`` on first use, so that the command line can
import :mod:`.console` without loading pandas."""

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["FORMATS", "RUN_RECORD", "csv_bytes_estimate", "file_sha256", "result_tables",
           "run_record", "table_formats", "write_csv", "write_table_set", "write_text_atomic"]

if TYPE_CHECKING:  # pragma: no cover
    from .files import (FORMATS, RUN_RECORD, csv_bytes_estimate, file_sha256, result_tables,
                        run_record, table_formats, write_csv, write_table_set, write_text_atomic)


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module(".files", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
