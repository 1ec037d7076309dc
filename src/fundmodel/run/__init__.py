"""Running a scenario: the public entry points and what they stand on.

- :mod:`.api`: ``evaluate`` (the base case), ``simulate`` (Monte Carlo), ``evaluate_batch``;
- :mod:`.batch`: many lever values in one engine call; :mod:`.montecarlo`: chunks of draws
  through the engine, reproducible to the bit, with its memory estimate;
- :mod:`.executors` (threads, in order) and :mod:`.progress` (the progress line);
- :mod:`.solve`: goal seeking (``solve``) and the minimum bundle scale;
- :mod:`.compare`: several scenarios or lever values side by side.

Nothing is imported here: ``import fundmodel.run.progress`` loads no numpy.
"""
