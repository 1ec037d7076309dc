"""What a run leaves behind: tables written as one atomic set with a run record (``files``);
the Excel workbook, charts and HTML report are further modules, imported on first use."""

from .files import (FORMATS, RUN_RECORD, csv_bytes_estimate, file_sha256, result_tables,
                    run_record, table_formats, write_csv, write_table_set, write_text_atomic)

__all__ = ["FORMATS", "RUN_RECORD", "csv_bytes_estimate", "file_sha256", "result_tables",
           "run_record", "table_formats", "write_csv", "write_table_set", "write_text_atomic"]
