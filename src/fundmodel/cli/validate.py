"""``fundmodel validate FILE...``: check scenario files, one line per mistake."""

from __future__ import annotations

from ..errors import ScenarioError
from ..export.console import SafeStream, print_error
from .codes import EXIT_BAD_INPUT, EXIT_OK


def cmd_validate(args, out: SafeStream, err: SafeStream) -> int:
    from ..scenario import load_scenario
    from ..scenario.checks import scenario_warnings

    status = EXIT_OK
    for path in args.files:
        try:
            scenario = load_scenario(path, args.set or (), args.allow_outside_files)
            out.write(f"ok {path}\n")
            for warning in scenario_warnings(scenario):
                err.write(f"{path}: warning: {warning}\n")
        except ScenarioError as exc:
            print_error(err, exc)
            status = EXIT_BAD_INPUT
    return status
