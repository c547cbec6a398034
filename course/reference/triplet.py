"""Answer key of assignment 05_triplet: triplet loss, mining, identification, verification.

The triplet loss and semi-hard negatives are those of FaceNet (Schroff,
Kalenichenko and Philbin, 2015, "FaceNet: A Unified Embedding for Face
Recognition and Clustering", equations 1-3 and section 3.2), here with
Euclidean rather than squared distances by default. The batch-hard loss is the
one of Hermans, Beyer and Leibe (2017, "In Defense of the Triplet Loss for
Person Re-Identification", equation 5). The four kinds of triplets follow the
definitions of pytorch-metric-learning's ``TripletMarginMiner`` with
``delta = d(a, n) - d(a, p)``. Identification by the k nearest neighbours,
verification by the largest class diameter and the worked four-point example
come from the course's metric-learning lecture; the centroid of a collection
from the course's talk on collection embeddings.

``pairwise_distances`` computes the distances between the rows of a set
through one matrix product, |a - b|^2 = |a|^2 + |b|^2 - 2 a.b (the expansion
``torch.cdist`` and scikit-learn's ``euclidean_distances`` use), with one safe
square root; the pairs within rounding error of 0 are recomputed as
differences (catastrophic cancellation: Higham, 2002, *Accuracy and Stability
of Numerical Algorithms*, sections 1.7 and 3.1). The other functions call it
for the distances of a batch and, through its leading batch dimensions,
within each triplet, each pair and each (query, gallery row) pair. The
batch-hard loss ranks the candidates of each anchor on the same matrix
product, without gradient, and differentiates only the 2N distances it keeps.

Each function is also the body of the solution cell of the same name in
``solutions/05_triplet/triplet.ipynb``; ``tests/test_reference_sync.py`` fails
when the two drift apart.
"""

import torch

from course.checks import (
    require_finite_tensors,
    require_int_at_least,
    require_int_tensor,
    require_nonnegative_number,
    require_rank,
    require_same_shape,
    require_shape,
)

__all__ = [
    "batch_hard_triplet_loss",
    "collection_embedding",
    "knn_identify",
    "max_cloud_diameter",
    "mine_triplets",
    "pairwise_distances",
    "same_identity",
    "toy_triplet_loss",
    "triplet_loss",
]


def pairwise_distances(emb, squared=False):
    """All Euclidean distances between the rows of ``emb``.

    D[..., i, j] = ||emb[..., i, :] - emb[..., j, :]||_2          (squared=False)
    D[..., i, j] = ||emb[..., i, :] - emb[..., j, :]||_2 ** 2     (squared=True)

    Every distance of this assignment is computed here: between the embeddings
    of a batch, and, through a leading batch dimension, within each triplet,
    each pair, or each (query, gallery row) pair.

    Args:
        emb: floating-point tensor (N, D): one embedding per row, finite; or
            (..., N, D): a set of N rows for each index of the leading dimensions.
        squared: return squared distances instead.

    Returns:
        Tensor (..., N, N) of the dtype of ``emb``: symmetric, >= 0, exactly 0
        on the diagonal and wherever two rows are equal. Differentiable, with
        finite gradients everywhere: where two rows coincide the distance
        contributes a gradient of 0 (sqrt has an infinite slope at 0, so the
        square root is only taken where the squared distance is positive).

    Raises:
        TypeError: ``emb`` is not a floating-point tensor.
        ValueError: ``emb`` has fewer than 2 dimensions or holds a non-finite value.
    """
    require_finite_tensors(emb=emb)
    if emb.dim() < 2:
        raise ValueError(f"emb must be (N, D) or (..., N, D), got shape {tuple(emb.shape)}")
    # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b: one matrix product, no (..., N, N, D) tensor.
    gram = emb @ emb.transpose(-1, -2)  # (..., N, N): every a_i . a_j
    norms = gram.diagonal(dim1=-2, dim2=-1)  # |a_i|^2, read off the Gram matrix
    total = norms.unsqueeze(-1) + norms.unsqueeze(-2)  # |a_i|^2 + |a_j|^2
    # 2 a_i . a_j as a_i . a_j + a_j . a_i: a matrix product rounds the two apart, and their
    # sum keeps the result symmetric. The diagonal is exactly 0: 2 g_ii - 2 g_ii.
    expansion = total - (gram + gram.transpose(-1, -2))
    # Rounding leaves up to about (D + 2) eps (|a_i|^2 + |a_j|^2) in each entry (Higham 2002,
    # section 3.1): all there is where two rows are equal or nearly so. Such pairs (the
    # diagonal always among them) are recomputed as differences: exactly 0 for equal rows.
    with torch.no_grad():  # which pairs to recompute is a choice, not a value to differentiate
        near = expansion <= (emb.shape[-1] + 2) * torch.finfo(emb.dtype).eps * total
        beyond_diagonal = near.sum() > near.numel() // max(near.shape[-1], 1)
    if beyond_diagonal:
        *batch, i, j = near.nonzero(as_tuple=True)
        exact = (emb[(*batch, i)] - emb[(*batch, j)]).pow(2).sum(dim=-1)
        expansion = expansion.index_put((*batch, i, j), exact)
    squared_distance = expansion.clamp(min=0)  # rounding can leave small negative values
    if squared:
        return squared_distance
    positive = squared_distance > 0
    # Where the distance is 0, feed sqrt a harmless 1 and discard it: no 0 * inf = NaN.
    safe = torch.where(positive, squared_distance, 1.0)
    return torch.where(positive, safe.sqrt(), 0.0)


def triplet_loss(anchor, positive, negative, margin=1.0, squared=False):
    """The triplet loss of FaceNet, averaged over a batch of triplets.

    L = mean_i max(d(a_i, p_i) - d(a_i, n_i) + margin, 0)

    with d the Euclidean distance (its square when ``squared``).

    Args:
        anchor, positive, negative: floating-point tensors (B, D), finite; row i
            of the three is the i-th triplet.
        margin: the finite number alpha >= 0 by which d(a, n) should exceed d(a, p).
        squared: use squared Euclidean distances (as FaceNet does).

    Returns:
        0-d tensor: the mean hinge over the B triplets; 0 when B = 0 (no triplets).

    Raises:
        TypeError: an argument is not a floating-point tensor.
        ValueError: the shapes differ or are not 2-D, a value is not finite, or
            ``margin`` is not a finite number >= 0.
    """
    require_finite_tensors(anchor=anchor, positive=positive, negative=negative)
    require_rank("anchor", anchor, 2, "(B, D)")
    require_same_shape("positive", positive, "anchor", anchor)
    require_same_shape("negative", negative, "anchor", anchor)
    require_nonnegative_number("margin", margin)
    # The distances within each triplet: row 0 of each 3 x 3 matrix is d(a, a), d(a, p), d(a, n).
    triplets = torch.stack([anchor, positive, negative], dim=1)  # (B, 3, D)
    distances = pairwise_distances(triplets, squared=squared)  # (B, 3, 3)
    losses = torch.relu(distances[:, 0, 1] - distances[:, 0, 2] + margin)
    if len(losses) == 0:
        return losses.sum()  # 0, still attached to the graph
    return losses.mean()


def mine_triplets(emb, labels, margin, kind):
    """The triplets (a, p, n) of one kind in a batch, in lexicographic order.

    A triplet has p != a with labels[p] == labels[a], and labels[n] != labels[a].
    With delta = d(a, n) - d(a, p) (Euclidean distances), the kinds are

        "all"       delta <= margin           (every triplet with a positive loss or on the edge)
        "hard"      delta <= 0                (the negative is no farther than the positive)
        "semihard"  0 < delta <= margin       (farther, but inside the margin)
        "easy"      delta > margin            (already satisfied: loss 0)

    The work is bounded by the number of (anchor, positive) pairs times N, not N ** 3:
    for each pair only the row of distances from its anchor is compared.

    Args:
        emb: floating-point tensor (N, D), finite. No gradient flows through mining.
        labels: integer tensor (N,): the class of each row.
        margin: a finite number >= 0.
        kind: one of "all", "hard", "semihard", "easy".

    Returns:
        ``(a, p, n)``: three int64 tensors of the same length T (T may be 0),
        sorted by a, then p, then n.

    Raises:
        TypeError: ``emb`` is not a floating-point tensor or ``labels`` not an integer one.
        ValueError: bad shapes, a non-finite value, a bad ``margin`` or an unknown ``kind``.
    """
    require_finite_tensors(emb=emb)
    require_rank("emb", emb, 2, "(N, D)")
    require_int_tensor("labels", labels)
    require_shape("labels", labels, (emb.shape[0],))
    require_nonnegative_number("margin", margin)
    if kind not in ("all", "hard", "semihard", "easy"):
        raise ValueError(f"kind must be 'all', 'hard', 'semihard' or 'easy', got {kind!r}")
    with torch.no_grad():  # no gradient flows through mining: a plain square root is safe
        distances = pairwise_distances(emb, squared=True).sqrt()
        different = labels.unsqueeze(0) != labels.unsqueeze(1)  # the negatives of each anchor
        is_positive = ~different
        is_positive.fill_diagonal_(False)  # p != a
        anchors, positives = is_positive.nonzero(as_tuple=True)  # row-major: sorted by (a, p)
        # delta[k, n] for the k-th (anchor, positive) pair and every candidate negative n.
        # (index_select gathers whole rows; it is several times faster than [] indexing.)
        delta = distances.index_select(0, anchors) - distances[anchors, positives].unsqueeze(1)
        if kind == "all":
            keep = delta <= margin
        elif kind == "hard":
            keep = delta <= 0
        elif kind == "semihard":
            keep = (delta > 0) & (delta <= margin)
        else:
            keep = delta > margin
        keep &= different.index_select(0, anchors)  # the negative must have another label
        pair, negatives = keep.nonzero(as_tuple=True)  # sorted by pair, then n
    return anchors.index_select(0, pair), positives.index_select(0, pair), negatives


def batch_hard_triplet_loss(emb, labels, margin):
    """The batch-hard triplet loss of Hermans et al. (2017).

    For each anchor a that has at least one positive and one negative in the batch:

        L_a = max(max_{p: y_p = y_a, p != a} d(a, p) - min_{n: y_n != y_a} d(a, n) + margin, 0)

    and the loss is the mean of L_a over those anchors (Euclidean distances).

    Args:
        emb: floating-point tensor (N, D), finite.
        labels: integer tensor (N,).
        margin: a finite number >= 0.

    Returns:
        0-d tensor, differentiable in ``emb`` with finite gradients (also when
        embeddings coincide); 0 when no anchor has both a positive and a negative.

    Raises:
        TypeError: ``emb`` is not a floating-point tensor or ``labels`` not an integer one.
        ValueError: bad shapes, a non-finite value or a bad ``margin``.
    """
    require_finite_tensors(emb=emb)
    require_rank("emb", emb, 2, "(N, D)")
    require_int_tensor("labels", labels)
    require_shape("labels", labels, (emb.shape[0],))
    require_nonnegative_number("margin", margin)
    with torch.no_grad():  # choosing the hardest pairs needs no gradient
        # |a - x_j|^2 = |a|^2 + |x_j|^2 - 2 a.x_j: |a|^2 is the same for every candidate j, so
        # |x_j|^2 - 2 a.x_j ranks them as their distances do (one matrix product for all).
        gram = emb @ emb.T
        rank = gram.diagonal().unsqueeze(0) - 2 * gram
        same = labels.unsqueeze(0) == labels.unsqueeze(1)
        # Masked entries are replaced, not multiplied, so they never win the max or the min.
        # The anchor itself (distance 0) wins the max only where every positive coincides
        # with it, to rounding: their distance is 0 too.
        hardest_positive = torch.where(same, rank, -torch.inf).argmax(dim=1)
        hardest_negative = torch.where(same, torch.inf, rank).argmin(dim=1)
        members = same.sum(dim=1)  # the anchor's class in the batch, the anchor included
        valid = (members > 1) & (members < len(labels))  # a positive and a negative
    # The loss needs only these 2N distances, so its gradient costs O(N D), not O(N^2 D);
    # vector_norm has the gradient 0 at a zero vector (where embeddings coincide).
    d_ap = torch.linalg.vector_norm(emb - emb[hardest_positive], dim=1)
    d_an = torch.linalg.vector_norm(emb - emb[hardest_negative], dim=1)
    losses = torch.relu(d_ap - d_an + margin)[valid]
    if len(losses) == 0:
        return emb.sum() * 0.0  # no triplet in the batch: 0, still attached to the graph
    return losses.mean()


def toy_triplet_loss(w, b=0.0, margin=5.0):
    """The lecture's worked example: four points, a 1-D linear embedding, eight triplets.

    Points A1 = -2, A2 = -1 (class A) and B1 = 1, B2 = 2 (class B), embedded as
    e(x) = w * x + b. The loss is the sum over the eight triplets (a, p, n) with
    p != a of the same class and n of the other class of

        max(|e(a) - e(p)| - |e(a) - e(n)| + margin, 0).

    For b = 0 and w > 0 it equals 4 max(5 - 2w, 0) + 2 max(5 - 3w, 0) + 2 max(5 - w, 0)
    (margin 5); it does not depend on b.

    Args:
        w, b: numbers or floating-point tensors of any shapes that broadcast
            together (a grid of w, say); gradients flow to tensors that require them.
        margin: a finite number >= 0 (the lecture's alpha = 5).

    Returns:
        Tensor of the broadcast shape of ``w`` and ``b``.

    Raises:
        ValueError: ``margin`` is not a finite number >= 0.
    """
    require_nonnegative_number("margin", margin)
    w = torch.as_tensor(w, dtype=w.dtype if torch.is_tensor(w) else torch.get_default_dtype())
    b = torch.as_tensor(b, dtype=w.dtype)
    points = torch.tensor([-2.0, -1.0, 1.0, 2.0], dtype=w.dtype)
    classes = [0, 0, 1, 1]
    e = w.unsqueeze(-1) * points + b.unsqueeze(-1)  # (..., 4)
    total = torch.zeros(torch.broadcast_shapes(w.shape, b.shape), dtype=w.dtype)
    for a in range(4):
        for p in range(4):
            for n in range(4):
                if p != a and classes[p] == classes[a] and classes[n] != classes[a]:
                    d_ap = (e[..., a] - e[..., p]).abs()
                    d_an = (e[..., a] - e[..., n]).abs()
                    total = total + torch.relu(d_ap - d_an + margin)
    return total


def knn_identify(query, gallery, gallery_labels, k, reject_distance=None):
    """Identify each query by a majority vote of its k nearest gallery embeddings.

    label(q) = the most frequent label among the k gallery rows nearest to q
               (Euclidean distance; ties between labels go to the smallest label),
               or -1 ("unknown") when the nearest gallery row is farther than
               ``reject_distance``.

    Args:
        query: floating-point tensor (M, D), finite.
        gallery: floating-point tensor (G, D), finite, with G >= k.
        gallery_labels: integer tensor (G,) of labels >= 0.
        k: an int, 1 <= k <= G.
        reject_distance: None (never answer unknown) or a finite number >= 0:
            a query whose nearest gallery row is at a distance > reject_distance
            gets -1.

    Returns:
        int64 tensor (M,).

    Raises:
        TypeError: a tensor of the wrong kind.
        ValueError: bad shapes, non-finite values, negative labels, a bad ``k``
            or a bad ``reject_distance``.
    """
    require_finite_tensors(query=query, gallery=gallery)
    require_rank("query", query, 2, "(M, D)")
    require_rank("gallery", gallery, 2, "(G, D)")
    if query.shape[1] != gallery.shape[1]:
        raise ValueError(
            f"query and gallery must have the same width D, got {tuple(query.shape)} "
            f"and {tuple(gallery.shape)}"
        )
    require_int_tensor("gallery_labels", gallery_labels)
    require_shape("gallery_labels", gallery_labels, (gallery.shape[0],))
    require_int_at_least("k", k, 1)
    if k > len(gallery):
        raise ValueError(f"k must be at most the gallery size {len(gallery)}, got {k}")
    if len(gallery_labels) and gallery_labels.min() < 0:
        raise ValueError("gallery_labels must be >= 0 (-1 means unknown)")
    if reject_distance is not None:
        require_nonnegative_number("reject_distance", reject_distance)
    # The query-to-gallery distances are one block of the distances of both sets together.
    distances = pairwise_distances(torch.cat([query, gallery]))[: len(query), len(query) :]
    order = distances.argsort(dim=1, stable=True)[:, :k]  # equal distances: lower index first
    votes = torch.zeros(len(query), int(gallery_labels.max()) + 1, dtype=torch.int64)
    votes.scatter_add_(1, gallery_labels[order], torch.ones_like(order))
    identity = votes.argmax(dim=1)  # argmax returns the first (smallest) label among ties
    if reject_distance is not None:
        nearest = distances.gather(1, order[:, :1]).squeeze(1)
        identity[nearest > reject_distance] = -1
    return identity


def max_cloud_diameter(emb, labels):
    """The largest class diameter: the verification threshold of the lecture.

    D = max over classes c of max_{i, j in c} ||emb[i] - emb[j]||

    Args:
        emb: floating-point tensor (N, D), finite, N >= 1.
        labels: integer tensor (N,).

    Returns:
        0-d tensor of the dtype of ``emb``; 0 when every class has one member.

    Raises:
        TypeError: a tensor of the wrong kind.
        ValueError: bad shapes, no rows, or a non-finite value.
    """
    require_finite_tensors(emb=emb)
    require_rank("emb", emb, 2, "(N, D)")
    require_int_tensor("labels", labels)
    require_shape("labels", labels, (emb.shape[0],))
    if len(emb) == 0:
        raise ValueError("emb must hold at least one row, got shape (0, D)")
    distances = pairwise_distances(emb)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    return torch.where(same, distances, torch.zeros_like(distances)).max()


def same_identity(e1, e2, threshold):
    """The lecture's verification rule: same person when the distance is below the threshold.

    same = ||e1 - e2|| < threshold      (strictly)

    Args:
        e1, e2: floating-point tensors of the same shape, (D,) for one pair or
            (M, D) for M pairs, finite.
        threshold: a finite number >= 0 (the largest class diameter, say).

    Returns:
        bool tensor of shape ``e1.shape[:-1]``: 0-d for one pair, (M,) for M pairs.

    Raises:
        TypeError: an argument is not a floating-point tensor.
        ValueError: the shapes differ or are not 1-D or 2-D, a value is not
            finite, or ``threshold`` is not a finite number >= 0.
    """
    require_finite_tensors(e1=e1, e2=e2)
    require_same_shape("e2", e2, "e1", e1)
    if e1.dim() not in (1, 2):
        raise ValueError(f"e1 and e2 must be (D,) or (M, D), got shape {tuple(e1.shape)}")
    require_nonnegative_number("threshold", threshold)
    # Each pair as a set of two rows: (..., 2, D) -> (..., 2, 2).
    distance = pairwise_distances(torch.stack([e1, e2], dim=-2))[..., 0, 1]
    return distance < threshold


def collection_embedding(emb):
    """The embedding of a collection: the centroid of its members' embeddings.

    f(G) = 1/|G| * sum_{x in G} f(x)

    Args:
        emb: floating-point tensor (n, D) for one collection of n members, or
            (..., n, D) for several collections of n members each; n >= 1, finite.

    Returns:
        Tensor (D,), or (..., D): the mean over the members (dimension -2).

    Raises:
        TypeError: ``emb`` is not a floating-point tensor.
        ValueError: ``emb`` has fewer than 2 dimensions, no members, or a
            non-finite value.
    """
    require_finite_tensors(emb=emb)
    if emb.dim() < 2 or emb.shape[-2] == 0:
        raise ValueError(
            f"emb must be (n, D) or (..., n, D) with n >= 1 members, got shape {tuple(emb.shape)}"
        )
    return emb.mean(dim=-2)
