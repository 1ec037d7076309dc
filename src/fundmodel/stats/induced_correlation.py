"""Rank correlation between uncertain inputs: checking, repairing and inducing it.

Pure math on numpy arrays (a leaf module, like :mod:`fundmodel.finance`).

Two ways to give sampled inputs a target Spearman rank-correlation matrix ``R_s``:

- **Gaussian copula**: draw standard normals with Pearson correlation
  ``R = 2 sin(π R_s / 6)`` (the exact relation between Spearman and Pearson correlation of a
  bivariate normal), map them through Φ to uniforms and through each input's inverse CDF. The
  marginals are exact; the rank correlation equals ``R_s`` in expectation.
- **Iman–Conover** (1982): draw the inputs independently, then reorder each column so that its
  ranks follow those of a reference sample with the target rank correlation. The marginal
  sample is kept exactly (only its order changes), which suits Latin hypercube samples.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "correlation_problem",
    "nearest_correlation",
    "spearman_to_pearson",
    "iman_conover",
]


def spearman_to_pearson(rank_corr: np.ndarray) -> np.ndarray:
    """Pearson correlation of a Gaussian pair whose Spearman correlation is ``rank_corr``:
    ``2 sin(π ρ_s / 6)`` elementwise (1 stays 1)."""
    return 2.0 * np.sin(np.pi * np.asarray(rank_corr, dtype=float) / 6.0)


def correlation_problem(matrix: np.ndarray, tol: float = 1e-12) -> str | None:
    """Why ``matrix`` is not a valid correlation matrix, or None if it is.

    Valid: square, symmetric, unit diagonal, entries in [−1, 1], positive definite.
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        return f"the matrix must be square, not {m.shape[0]}×{m.shape[1] if m.ndim > 1 else 1}"
    if not np.all(np.isfinite(m)):
        return "the matrix holds a value that is not a finite number"
    if not np.allclose(np.diag(m), 1.0, rtol=0, atol=tol):
        return "the diagonal must be all 1"
    if np.any(np.abs(m) > 1 + tol):
        return "correlations must lie between −1 and 1"
    asym = np.abs(m - m.T)
    if np.any(asym > tol):
        i, j = np.unravel_index(np.argmax(asym), asym.shape)
        return f"the matrix is not symmetric: [{i}][{j}] = {m[i, j]:g} but [{j}][{i}] = {m[j, i]:g}"
    eig = np.linalg.eigvalsh(spearman_to_pearson(m))
    if eig[0] <= 1e-10:
        return (f"the matrix is not positive definite (smallest eigenvalue of its normal-copula "
                f"form {eig[0]:.3g}): these correlations cannot hold together")
    return None


def nearest_correlation(matrix: np.ndarray, *, min_eigenvalue: float = 1e-6,
                        tol: float = 1e-12, max_iter: int = 1000) -> np.ndarray:
    """The nearest (Frobenius norm) correlation matrix, by Higham's (2002) alternating
    projections with Dykstra's correction, then nudged to have eigenvalues ≥ ``min_eigenvalue``
    so that it is strictly positive definite.
    """
    a = (np.asarray(matrix, dtype=float) + np.asarray(matrix, dtype=float).T) / 2
    y = a.copy()
    ds = np.zeros_like(a)
    for _ in range(max_iter):
        r = y - ds
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, min_eigenvalue)) @ v.T
        ds = x - r
        y_new = x.copy()
        np.fill_diagonal(y_new, 1.0)
        done = np.linalg.norm(y_new - y, "fro") <= tol * max(1.0, np.linalg.norm(y, "fro"))
        y = y_new
        if done:
            break
    y = (y + y.T) / 2
    np.fill_diagonal(y, 1.0)
    return np.clip(y, -1.0, 1.0)


def iman_conover(samples: np.ndarray, rank_corr: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Reorder each column of ``samples`` (n × k) so that its rank correlation approaches
    ``rank_corr``.

    ``normals`` (n × k, independent standard normal) is the randomness of the reference sample:
    its van der Waerden scores are decorrelated, given the target correlation by a Cholesky
    factor, and each column of ``samples`` is sorted into the rank order of the matching
    reference column.
    """
    n, k = samples.shape
    from scipy.special import ndtri  # Φ⁻¹, as scipy.stats.norm.ppf computes it
    scores = ndtri((np.arange(1, n + 1)) / (n + 1))
    # reference: each column a random permutation of the scores
    order = np.argsort(normals, axis=0, kind="stable")
    ref = scores[order]
    # remove the sample correlation of the reference, impose the target
    c = np.corrcoef(ref, rowvar=False)
    e = np.linalg.cholesky(c)
    p = np.linalg.cholesky(spearman_to_pearson(rank_corr))
    target = ref @ np.linalg.inv(e).T @ p.T
    out = np.empty_like(samples)
    ranks = np.argsort(np.argsort(target, axis=0, kind="stable"), axis=0, kind="stable")
    sorted_samples = np.sort(samples, axis=0)
    for j in range(k):
        out[:, j] = sorted_samples[ranks[:, j], j]
    return out
