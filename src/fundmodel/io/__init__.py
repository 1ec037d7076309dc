"""Reading what the analyst writes, below the scenario models: YAML with the line and column of
every value (:mod:`.yamlio`), dotted field paths (:mod:`.paths`), ``--set`` overrides
(:mod:`.overrides`) and validation errors as located issues (:mod:`.issues`). Numpy-free and
model-free: the scenario models and their loader (:mod:`fundmodel.scenario.load`) stand on it.
"""
