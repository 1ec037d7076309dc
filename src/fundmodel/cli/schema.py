"""``fundmodel schema``: the scenario format as JSON Schema."""

from __future__ import annotations

from ..export.console import SafeStream
from .codes import EXIT_OK


def cmd_schema(args, out: SafeStream, err: SafeStream) -> int:
    from ..scenario.schema import scenario_json_schema_text

    text = scenario_json_schema_text()
    if args.out is not None:
        from ..export import write_text_atomic

        write_text_atomic(args.out, text)
    else:
        out.write(text)
    return EXIT_OK
