"""Reading what the analyst writes, below the scenario models: YAML with the line and column of
every value (:mod:`.yamlio`), dotted field paths (:mod:`.paths`), ``--set`` overrides
(:mod:`.overrides`), validation errors as located issues (:mod:`.issues`), the compounds table
of a district (:mod:`.compounds_table`), the CSV columns of empirical distributions
(:mod:`.datafiles`) and the bounds every input must keep (:mod:`.limits`).

Model-free: io never imports :mod:`fundmodel.scenario`; the scenario models and their loader
(:mod:`fundmodel.scenario.load`) stand on it, and the models' validators call its readers. The
loader itself (``load.py``, ``validate.py``, ``schema.py``) builds the ``Scenario`` model, so it
stays in ``scenario/``.
"""
