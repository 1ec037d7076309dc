"""What a run leaves behind: tables written as one atomic set with a run record (``files``);
the Excel workbook, charts and HTML report are further modules, imported on first use."""

from .files import (RUN_RECORD, file_sha256, result_tables, run_record, write_csv,
                    write_table_set, write_text_atomic)

__all__ = ["RUN_RECORD", "file_sha256", "result_tables", "run_record", "write_csv",
           "write_table_set", "write_text_atomic"]
