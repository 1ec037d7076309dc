"""The exit codes of the ``fundmodel`` command (130 and 143: :mod:`.signals`)."""

EXIT_OK = 0
EXIT_OUTPUT_CLOSED = 1
EXIT_BAD_INPUT = 2
EXIT_CHECK_FAILED = 3
"""``bond-evaluation --strict``: a check of the debt system failed (the output was written)."""

MEMORY_HINT = ("not enough memory for this run: try --no-draws (no per-draw table), fewer "
               "--draws or a smaller --chunk-size")
