"""Small regression models in plain Python, for the payment predictions.

Odoo 19 ships no numerical library (numpy is not among its requirements), and the
models are small: a dozen standardised features, a few thousand to a few hundred
thousand invoices. Newton's method solves a p x p system per step, so the cost is
O(n p^2) per iteration in plain Python, with no dependency to install.

- ``fit_logistic``: logistic regression with an L2 penalty, Newton-Raphson
  (iteratively reweighted least squares);
- ``fit_median``: linear median (least absolute deviations) regression with an L2
  penalty, by iteratively reweighted least squares: the model of the days late,
  whose error is measured in mean absolute days.

Features are standardised before the fit (``standardise``); the intercept is not
penalised. Coefficients are given back on the standardised scale, with the means
and scales needed to apply them, so that a contribution (coefficient x
standardised value) says how far a feature moved one prediction from the average
invoice.
"""

import math


def standardise(rows):
    """Means and scales (standard deviations, 1 for a constant column) of the
    columns of ``rows`` (a list of equal-length lists of floats)."""
    count = len(rows)
    width = len(rows[0]) if rows else 0
    means = [sum(row[j] for row in rows) / count for j in range(width)]
    scales = []
    for j in range(width):
        var = sum((row[j] - means[j]) ** 2 for row in rows) / count
        scales.append(math.sqrt(var) if var > 1e-12 else 1.0)
    return means, scales


def scaled(row, means, scales):
    return [(x - m) / s for x, m, s in zip(row, means, scales, strict=True)]


def _solve(matrix, vector):
    """Solve matrix . x = vector (symmetric positive definite) by Cholesky."""
    size = len(vector)
    lower = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1):
            total = matrix[i][j] - sum(lower[i][k] * lower[j][k] for k in range(j))
            if i == j:
                lower[i][i] = math.sqrt(max(total, 1e-12))
            else:
                lower[i][j] = total / lower[j][j]
    forward = [0.0] * size
    for i in range(size):
        forward[i] = (vector[i] - sum(lower[i][k] * forward[k] for k in range(i))) / (
            lower[i][i]
        )
    result = [0.0] * size
    for i in reversed(range(size)):
        result[i] = (
            forward[i] - sum(lower[k][i] * result[k] for k in range(i + 1, size))
        ) / lower[i][i]
    return result


def _weighted_normal(design, weights, targets, penalty):
    """X'WX + penalty (intercept, column 0, not penalised) and X'Wz."""
    size = len(design[0])
    matrix = [[0.0] * size for _ in range(size)]
    vector = [0.0] * size
    for row, weight, target in zip(design, weights, targets, strict=True):
        for i in range(size):
            wi = weight * row[i]
            vector[i] += wi * target
            line = matrix[i]
            for j in range(i + 1):
                line[j] += wi * row[j]
    for i in range(size):
        for j in range(i):
            matrix[j][i] = matrix[i][j]
        if i:
            matrix[i][i] += penalty
    return matrix, vector


def _design(rows):
    return [[1.0, *row] for row in rows]


def fit_logistic(rows, labels, penalty=1.0, iterations=30, tolerance=1e-8):
    """Coefficients [intercept, b1..bp] of P(label) = 1 / (1 + exp(-x.b)) for
    standardised ``rows``, maximising the log-likelihood less
    ``penalty`` / 2 * |b|^2 (intercept free), by Newton-Raphson."""
    design = _design(rows)
    size = len(design[0])
    share = min(max(sum(labels) / len(labels), 1e-6), 1 - 1e-6)
    beta = [math.log(share / (1 - share))] + [0.0] * (size - 1)
    for _step in range(iterations):
        weights, targets = [], []
        for row, label in zip(design, labels, strict=True):
            eta = sum(b * x for b, x in zip(beta, row, strict=True))
            prob = _sigmoid(eta)
            weight = max(prob * (1 - prob), 1e-9)
            weights.append(weight)
            # working response of IRLS: eta + (y - p) / w
            targets.append(eta + (label - prob) / weight)
        matrix, vector = _weighted_normal(design, weights, targets, penalty)
        new = _solve(matrix, vector)
        change = max(abs(a - b) for a, b in zip(new, beta, strict=True))
        beta = new
        if change < tolerance:
            break
    return beta


def fit_median(rows, targets, penalty=1.0, iterations=50, epsilon=0.5):
    """Coefficients [intercept, b1..bp] of the linear median regression of
    ``targets`` on standardised ``rows`` (least absolute deviations plus
    ``penalty`` * |b|^2), by iteratively reweighted least squares with
    weights 1 / max(|residual|, ``epsilon``)."""
    design = _design(rows)
    weights = [1.0] * len(design)
    beta = None
    for _step in range(iterations):
        matrix, vector = _weighted_normal(design, weights, targets, penalty)
        new = _solve(matrix, vector)
        if beta and max(abs(a - b) for a, b in zip(new, beta, strict=True)) < 1e-6:
            beta = new
            break
        beta = new
        weights = [
            1.0 / max(abs(target - predict(beta, row)), epsilon)
            for row, target in zip(rows, targets, strict=True)
        ]
    return beta


def predict(beta, row):
    """x.b of standardised ``row`` (without its intercept column)."""
    return beta[0] + sum(b * x for b, x in zip(beta[1:], row, strict=True))


def _sigmoid(value):
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def probability(beta, row):
    return _sigmoid(predict(beta, row))


def roc_auc(scores, labels):
    """Area under the ROC curve (ties count one half), by ranks."""
    pairs = sorted(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    rank_sum, index = 0.0, 0
    while index < len(pairs):
        end = index
        while end + 1 < len(pairs) and pairs[end + 1][0] == pairs[index][0]:
            end += 1
        average_rank = (index + end) / 2 + 1
        rank_sum += average_rank * sum(label for _s, label in pairs[index : end + 1])
        index = end + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
