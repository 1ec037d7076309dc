"""``fundmodel solve FILE --lever PATH --target TEXT``: the lever value that meets a target."""

from __future__ import annotations

import math

from ..export.console import SafeStream, Words
from .codes import EXIT_OK


def cmd_solve(args, out: SafeStream, err: SafeStream) -> int:
    from ..run.solve import parse_target, solve
    from ..scenario import load_scenario

    target = parse_target(args.target)           # a malformed target fails before loading
    scenario = load_scenario(args.file, list(args.set or ()), args.allow_outside_files)
    bounds = None if args.bounds is None else tuple(args.bounds)
    per_draw = target.kind == "per_draw"
    solution = solve(scenario, args.lever, target, draws=args.draws, seed=args.seed,
                     sampler=args.sampler, point=args.draws is None and per_draw,
                     method=args.method, check=args.check, bounds=bounds,
                     integer=args.integer)
    solution.require_met()   # a target that cannot be met: one line, exit 2
    out.write(f"{solution if (args.lang or 'en') == 'en' else _solution_text(solution, args.lang)}\n")
    return EXIT_OK


def _solution_text(s, lang: str) -> str:
    """A :class:`fundmodel.run.solve.Solution` told in ``lang`` (English: its own text)."""
    import numpy as np

    from ..run.solve.core import format_number
    from ..labels import label, relabel

    w = Words(lang)
    how = (w("solve.point") if s.point else
           w("solve.mc", draws=s.draws, sampler=w(f"sampler.{s.sampler}"), seed=s.seed))
    target = s.target.text.replace(s.target.metric, label(s.target.metric, lang))
    lines = [w("solve.head", lever=s.lever, target=target, how=how,
               method=w(f"method.{s.method}"))]
    if s.per_draw:
        sm = s.summary()
        if s.draws == 1:
            lines.append(w("solve.answer", value=s.answer_text(float(np.asarray(s.value)[0]),
                                                                lang)))
        elif sm["n"]:
            lines.append(w("solve.answer_per_draw", mean=format_number(sm["mean"]), p5=format_number(sm["p5"]),
                           p50=format_number(sm["p50"]), p95=s.answer_text(sm["p95"], lang), n=sm["n"]))
    else:
        lines.append(w("solve.answer", value=s.answer_text(s.value, lang)) + (
            w("solve.answer_mcse", mcse=format_number(s.value_mcse)) if s.value_mcse else ""))
        if s.statistic is not None and math.isfinite(s.statistic):
            lines.append(w("solve.statistic", value=format_number(s.statistic), mcse=format_number(s.mcse)))
    if s.no_root:
        why = w("list.sep").join(f"{w('reason.' + k) if 'reason.' + k in _reasons() else k}"
                                 f"：{v:,}" for k, v in s.no_root_reasons.items())
        lines.append(w("solve.no_root", n=s.no_root, draws=s.draws, why=why))
    if s.disagreement is not None:
        lines.append(w("solve.disagreement", d=s.disagreement))
    for note in s.notes:
        lines.append(w("solve.note", note=relabel(note, lang)))
    lines.append(w("solve.work", calls=s.engine_calls, evals=s.draw_evaluations,
                   seconds=s.seconds, rate=s.evaluations_per_second))
    return "\n".join(lines)


def _reasons() -> set[str]:
    from ..labels import TEXT

    return {k for k in TEXT if k.startswith("reason.")}
