"""Statistics over draws (a leaf: numpy only, nothing from the rest of fundmodel).

- :mod:`.sketch`: one-pass moments and a mergeable quantile sketch (:class:`StreamingMoments`,
  :class:`QuantileSketch`);
- :mod:`.blocks`: draws regrouped into fixed blocks whatever the chunking, per-block sums and
  means, the replicate standard error (:class:`BlockStream`, :func:`replicate_mcse`);
- :mod:`.induced_correlation`: checking, repairing and inducing a rank correlation between
  sampled inputs (Gaussian copula, Iman–Conover).
"""
