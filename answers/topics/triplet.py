"""Answers to 05_triplet: mistakes, right answers written otherwise, plain answers, the demo.

Mistakes are mutations of the solution where the slip is one expression
(``Edit``), and whole functions where a student would write something else.
The notebook grades no argument checks, so plain answers have none and keep
every point. The test cells of the functions that may call ``pairwise_distances``
grade them with the answer key's in its place: the ``cross`` answers check that
a wrong ``pairwise_distances`` costs points on its own test only.
"""

import torch

from answers import Edit, correct, cross, mistake, plain, unattempted

ASSIGNMENT = "05_triplet"

SAFE_SQRT = "return torch.where(positive, safe.sqrt(), 0.0)"
#: The answer key's expansion for rows on dimension -2, whatever the leading dimensions.
BATCHED_NORMS = "total = norms.unsqueeze(-1) + norms.unsqueeze(-2)"

# --- pairwise_distances ----------------------------------------------------------------------
PD_L1 = """
def pairwise_distances(emb, squared=False):
    d = (emb.unsqueeze(-2) - emb.unsqueeze(-3)).abs().sum(dim=-1)
    return d**2 if squared else d
"""

PD_GRAM = """
def pairwise_distances(emb, squared=False):
    norms = (emb * emb).sum(-1)
    sq = norms.unsqueeze(-1) + norms.unsqueeze(-2) - 2 * emb @ emb.transpose(-1, -2)
    return sq if squared else sq.sqrt()
"""

PD_PLAIN_BROADCAST = """
def pairwise_distances(emb, squared=False):
    squared_distance = (emb.unsqueeze(-2) - emb.unsqueeze(-3)).pow(2).sum(dim=-1)
    if squared:
        return squared_distance
    positive = squared_distance > 0
    safe = torch.where(positive, squared_distance, torch.ones_like(squared_distance))
    return torch.where(positive, safe.sqrt(), torch.zeros_like(squared_distance))
"""

PD_PLAIN_GRAM = """
def pairwise_distances(emb, squared=False):
    gram = emb @ emb.transpose(-1, -2)
    norms = gram.diagonal(dim1=-2, dim2=-1)
    d2 = (norms.unsqueeze(-1) + norms.unsqueeze(-2) - 2 * gram).clamp(min=0)
    if squared:
        return d2
    positive = d2 > 0
    return torch.where(positive, torch.where(positive, d2, 1.0).sqrt(), 0.0)
"""

# Norms summed apart from the product (the diagonal is then 0 only up to rounding), clamped,
# and the square root behind one torch.where, which passes no gradient to the zeros.
PD_GRAM_SUMMED_NORMS = """
def pairwise_distances(emb, squared=False):
    norms = (emb**2).sum(dim=-1, keepdim=True)
    d2 = norms + norms.transpose(-1, -2) - 2 * emb @ emb.transpose(-1, -2)
    d2 = d2.clamp_min(0)
    return d2 if squared else torch.where(d2 > 0, d2, 0.0).sqrt()
"""

# FaceNet's TensorFlow recipe: the expansion, then eps added where the distance is 0.
PD_GRAM_EPS_MASK = """
def pairwise_distances(emb, squared=False):
    norms = emb.pow(2).sum(-1, keepdim=True)
    d2 = norms + norms.transpose(-1, -2) - 2 * emb @ emb.transpose(-1, -2)
    eye = torch.eye(emb.shape[-2], dtype=torch.bool)
    d2 = torch.where(eye, 0.0, d2.clamp(min=0))
    if squared:
        return d2
    zero = d2 == 0
    return torch.sqrt(d2 + zero * 1e-16) * ~zero
"""

PD_PLAIN_CDIST = """
def pairwise_distances(emb, squared=False):
    d = torch.cdist(emb, emb, compute_mode="donot_use_mm_for_euclid_dist")
    return d**2 if squared else d
"""

PD_PLAIN_NORM = """
def pairwise_distances(emb, squared=False):
    diff = emb[..., :, None, :] - emb[..., None, :, :]
    if squared:
        return (diff**2).sum(-1)
    return torch.linalg.vector_norm(diff, dim=-1)
"""

PD_CLAMP_AND_MASK = """
def pairwise_distances(emb, squared=False):
    sq = ((emb.unsqueeze(-2) - emb.unsqueeze(-3)) ** 2).sum(-1)
    if squared:
        return sq
    # clamp_min passes no gradient below its bound, and the mask zeroes those entries
    return sq.clamp_min(1e-30).sqrt() * (sq > 0)
"""

# --- triplet_loss ----------------------------------------------------------------------------
TL_PLAIN_SQRT = """
def triplet_loss(anchor, positive, negative, margin=1.0, squared=False):
    d_ap = ((anchor - positive) ** 2).sum(1)
    d_an = ((anchor - negative) ** 2).sum(1)
    if not squared:
        d_ap, d_an = d_ap.sqrt(), d_an.sqrt()
    losses = torch.relu(d_ap - d_an + margin)
    return losses.mean() if len(losses) else losses.sum()
"""

TL_PLAIN_FUNCTIONAL = """
import torch.nn.functional as F


def triplet_loss(anchor, positive, negative, margin=1.0, squared=False):
    d_ap = F.pairwise_distance(anchor, positive)
    d_an = F.pairwise_distance(anchor, negative)
    if squared:
        d_ap, d_an = d_ap**2, d_an**2
    losses = F.relu(d_ap - d_an + margin)
    return losses.mean() if len(losses) > 0 else losses.sum()
"""

TL_OWN_DISTANCES = """
def triplet_loss(anchor, positive, negative, margin=1.0, squared=False):
    d = pairwise_distances(torch.stack([anchor, positive, negative], dim=1), squared=squared)
    losses = torch.clamp(d[:, 0, 1] - d[:, 0, 2] + margin, min=0)
    if len(losses) == 0:
        return torch.zeros(())
    return losses.mean()
"""

TL_PLAIN_NORM = """
def triplet_loss(anchor, positive, negative, margin=1.0, squared=False):
    if anchor.shape[0] == 0:
        return torch.tensor(0.0)
    d_ap = (anchor - positive).norm(dim=1)
    d_an = (anchor - negative).norm(dim=1)
    if squared:
        d_ap = d_ap**2
        d_an = d_an**2
    return torch.clamp(d_ap - d_an + margin, min=0).mean()
"""

# --- toy_triplet_loss ------------------------------------------------------------------------
TOY_PLAIN = """
def toy_triplet_loss(w, b=0.0, margin=5.0):
    w = w if torch.is_tensor(w) else torch.tensor(float(w))
    b = torch.as_tensor(b, dtype=w.dtype)
    x = {"A1": -2.0, "A2": -1.0, "B1": 1.0, "B2": 2.0}
    e = {name: w * value + b for name, value in x.items()}
    triplets = [
        ("A1", "A2", "B1"), ("A1", "A2", "B2"), ("A2", "A1", "B1"), ("A2", "A1", "B2"),
        ("B1", "B2", "A1"), ("B1", "B2", "A2"), ("B2", "B1", "A1"), ("B2", "B1", "A2"),
    ]
    hinges = [torch.relu((e[a] - e[p]).abs() - (e[a] - e[n]).abs() + margin)
              for a, p, n in triplets]
    return sum(hinges)
"""

TOY_CLOSED_FORM = """
def toy_triplet_loss(w, b=0.0, margin=5.0):
    w = torch.as_tensor(w, dtype=w.dtype if torch.is_tensor(w) else torch.get_default_dtype())
    s = w.abs() + 0 * torch.as_tensor(b, dtype=w.dtype)  # b only broadcasts
    return (4 * torch.relu(margin - 2 * s) + 2 * torch.relu(margin - 3 * s)
            + 2 * torch.relu(margin - s))
"""

# --- mine_triplets ---------------------------------------------------------------------------
MINE_DENSE = """
def mine_triplets(emb, labels, margin, kind):
    d = pairwise_distances(emb.detach())
    same = labels[:, None] == labels[None, :]
    valid = (same & ~torch.eye(len(labels), dtype=torch.bool))[:, :, None] & ~same[:, None, :]
    delta = d[:, None, :] - d[:, :, None]  # delta[a, p, n] = d(a, n) - d(a, p)
    if kind == "all":
        keep = delta <= margin
    elif kind == "hard":
        keep = delta <= 0
    elif kind == "semihard":
        keep = (delta > 0) & (delta <= margin)
    else:
        keep = delta > margin
    a, p, n = (valid & keep).nonzero(as_tuple=True)
    return a, p, n
"""

MINE_PER_ANCHOR = """
def mine_triplets(emb, labels, margin, kind):
    rules = {
        "all": lambda delta: delta <= margin,
        "hard": lambda delta: delta <= 0,
        "semihard": lambda delta: (delta > 0) & (delta <= margin),
        "easy": lambda delta: delta > margin,
    }
    with torch.no_grad():
        d = torch.cdist(emb, emb, compute_mode="donot_use_mm_for_euclid_dist")
        parts = []
        for a in range(len(emb)):
            positive = (labels == labels[a]) & (torch.arange(len(emb)) != a)
            negative = labels != labels[a]
            delta = d[a][None, :] - d[a][:, None]  # [p, n]
            keep = rules[kind](delta) & positive[:, None] & negative[None, :]
            p, n = keep.nonzero(as_tuple=True)
            parts.append(torch.stack([torch.full_like(p, a), p, n]))
    found = torch.cat(parts, dim=1) if parts else torch.zeros(3, 0, dtype=torch.int64)
    return found[0], found[1], found[2]
"""

MINE_ORDER_BY_NEGATIVE = """
def mine_triplets(emb, labels, margin, kind):
    with torch.no_grad():
        d = pairwise_distances(emb)
        same = labels[:, None] == labels[None, :]
        pos = same & ~torch.eye(len(labels), dtype=torch.bool)
        delta = d[:, None, :] - d[:, :, None]  # delta[a, p, n]
        rules = {"all": delta <= margin, "hard": delta <= 0,
                 "semihard": (delta > 0) & (delta <= margin), "easy": delta > margin}
        keep = rules[kind] & pos[:, :, None] & ~same[:, None, :]
        a, n, p = keep.permute(0, 2, 1).nonzero(as_tuple=True)  # a, then n, then p
    return a, p, n
"""

MINE_TRIPLE_LOOP = """
def mine_triplets(emb, labels, margin, kind):
    d = torch.cdist(emb.detach(), emb.detach(), compute_mode="donot_use_mm_for_euclid_dist")
    found = []
    for a in range(len(emb)):
        for p in range(len(emb)):
            if p == a or labels[p] != labels[a]:
                continue
            for n in range(len(emb)):
                if labels[n] == labels[a]:
                    continue
                delta = d[a, n] - d[a, p]
                if kind == "all":
                    ok = delta <= margin
                elif kind == "hard":
                    ok = delta <= 0
                elif kind == "semihard":
                    ok = 0 < delta <= margin
                else:
                    ok = delta > margin
                if ok:
                    found.append((a, p, n))
    if not found:
        return tuple(torch.zeros(0, dtype=torch.int64) for _ in range(3))
    a, p, n = torch.tensor(found).T
    return a, p, n
"""

# --- batch_hard_triplet_loss -----------------------------------------------------------------
BH_PLAIN_LOOP = """
def batch_hard_triplet_loss(emb, labels, margin):
    d = torch.cdist(emb, emb)
    losses = []
    for a in range(len(emb)):
        pos = (labels == labels[a]) & (torch.arange(len(emb)) != a)
        neg = labels != labels[a]
        if pos.any() and neg.any():
            losses.append(torch.relu(d[a][pos].max() - d[a][neg].min() + margin))
    if not losses:
        return emb.sum() * 0.0
    return torch.stack(losses).mean()
"""

# The whole distance matrix, with a gradient through its max and min (the answer key differentiates
# only the chosen distances); and the easiest positive instead of the hardest.
BH_PLAIN_MASKS = """
def batch_hard_triplet_loss(emb, labels, margin):
    d = pairwise_distances(emb)
    same = labels[:, None] == labels[None, :]
    pos = same & ~torch.eye(len(labels), dtype=torch.bool)
    hardest_pos = torch.where(pos, d, -torch.inf).max(dim=1).values
    hardest_neg = torch.where(~same, d, torch.inf).min(dim=1).values
    valid = pos.any(dim=1) & (~same).any(dim=1)
    losses = torch.relu(hardest_pos[valid] - hardest_neg[valid] + margin)
    return losses.mean() if len(losses) else d.sum() * 0.0
"""

BH_EASIEST_POSITIVE = BH_PLAIN_MASKS.replace(
    "torch.where(pos, d, -torch.inf).max(dim=1)", "torch.where(pos, d, torch.inf).min(dim=1)"
)

# The mask multiplied in: the zeros it leaves win the min, so every hardest negative is at 0.
BH_MULTIPLIED_MASK = BH_PLAIN_MASKS.replace(
    "torch.where(~same, d, torch.inf).min(dim=1)", "(d * ~same).min(dim=1)"
)

BH_OWN_DISTANCES_LOOP = BH_PLAIN_LOOP.replace("torch.cdist(emb, emb)", "pairwise_distances(emb)")

BH_PLAIN_SQRT = """
def batch_hard_triplet_loss(emb, labels, margin):
    d = ((emb[:, None, :] - emb[None, :, :]) ** 2).sum(-1).sqrt()
    same = labels[:, None] == labels[None, :]
    pos = same & ~torch.eye(len(labels), dtype=torch.bool)
    hardest_pos = torch.where(pos, d, -torch.inf).max(dim=1).values
    hardest_neg = torch.where(~same, d, torch.inf).min(dim=1).values
    valid = pos.any(dim=1) & (~same).any(dim=1)
    losses = torch.relu(hardest_pos[valid] - hardest_neg[valid] + margin)
    return losses.mean() if len(losses) else d.sum() * 0.0
"""

# --- knn_identify ----------------------------------------------------------------------------
KNN_TIE_TO_NEAREST = """
def knn_identify(query, gallery, gallery_labels, k, reject_distance=None):
    d = torch.cdist(query, gallery, compute_mode="donot_use_mm_for_euclid_dist")
    order = d.argsort(dim=1, stable=True)[:, :k]
    result = []
    for row in order.tolist():
        counts = {}
        for index in row:  # nearest first: on a tie the label seen first wins
            label = int(gallery_labels[index])
            counts[label] = counts.get(label, 0) + 1
        result.append(max(counts, key=counts.get))
    result = torch.tensor(result, dtype=torch.int64)
    if reject_distance is not None:
        result[d.min(dim=1).values > reject_distance] = -1
    return result
"""

KNN_PLAIN = """
def knn_identify(query, gallery, gallery_labels, k, reject_distance=None):
    d = torch.cdist(query, gallery, compute_mode="donot_use_mm_for_euclid_dist")
    answers = []
    for i in range(len(query)):
        nearest = sorted(range(len(gallery)), key=lambda j: (d[i, j].item(), j))[:k]
        votes = torch.bincount(gallery_labels[nearest])
        label = int(votes.argmax())
        if reject_distance is not None and d[i, nearest[0]] > reject_distance:
            label = -1
        answers.append(label)
    return torch.tensor(answers, dtype=torch.int64)
"""

KNN_PYTHON_COUNTING = """
def knn_identify(query, gallery, gallery_labels, k, reject_distance=None):
    d = torch.cdist(query, gallery, compute_mode="donot_use_mm_for_euclid_dist")
    result = []
    for i in range(len(query)):
        nearest = sorted(range(len(gallery)), key=lambda j: (d[i, j].item(), j))[:k]
        counts = {}
        for j in nearest:
            counts[int(gallery_labels[j])] = counts.get(int(gallery_labels[j]), 0) + 1
        top = max(counts.values())
        label = min(c for c, v in counts.items() if v == top)
        if reject_distance is not None and d[i, nearest[0]].item() > reject_distance:
            label = -1
        result.append(label)
    return torch.tensor(result, dtype=torch.int64)
"""

# --- max_cloud_diameter ----------------------------------------------------------------------
DIAM_ALL_PAIRS = """
def max_cloud_diameter(emb, labels):
    return pairwise_distances(emb).max()
"""

DIAM_MEAN_OVER_CLASSES = """
def max_cloud_diameter(emb, labels):
    d = pairwise_distances(emb)
    diameters = [d[labels == c][:, labels == c].max() for c in labels.unique()]
    return torch.stack(diameters).mean()
"""

DIAM_SMALLEST = """
def max_cloud_diameter(emb, labels):
    d = pairwise_distances(emb)
    diameters = [d[labels == c][:, labels == c].max() for c in labels.unique()]
    return torch.stack(diameters).min()
"""

DIAM_PLAIN_PDIST = """
def max_cloud_diameter(emb, labels):
    best = torch.zeros((), dtype=emb.dtype)
    for c in labels.unique():
        members = emb[labels == c]
        if len(members) > 1:
            best = torch.maximum(best, torch.pdist(members).max())
    return best
"""

# --- same_identity ---------------------------------------------------------------------------
SAME_ALL_PAIRS = """
def same_identity(e1, e2, threshold):
    d = pairwise_distances(torch.cat([e1, e2]))
    return d[: len(e1), len(e1) :] < threshold
"""

SAME_PLAIN = """
def same_identity(e1, e2, threshold):
    return (e1 - e2).norm(dim=-1) < threshold
"""

SAME_SQUARED_THRESHOLD = """
def same_identity(e1, e2, threshold):
    return ((e1 - e2) ** 2).sum(dim=-1) < threshold**2
"""

# --- collection_embedding --------------------------------------------------------------------
COLL_UNIT_LENGTH = """
def collection_embedding(emb):
    centre = emb.mean(dim=-2)
    return centre / centre.norm(dim=-1, keepdim=True)
"""

COLL_PLAIN = """
def collection_embedding(emb):
    return emb.sum(dim=-2) / emb.shape[-2]
"""

ANSWERS = [
    # --- pairwise_distances ----------------------------------------------------------------------
    mistake(
        "pd_plain_sqrt", "pairwise_distances", Edit(SAFE_SQRT, "return squared_distance.sqrt()")
    ),
    mistake("pd_l1", "pairwise_distances", PD_L1),
    mistake(
        "pd_ignores_squared",
        "pairwise_distances",
        Edit("    if squared:\n        return squared_distance\n", ""),
    ),
    mistake(
        "pd_eps_inside_sqrt",
        "pairwise_distances",
        Edit(SAFE_SQRT, "return (squared_distance + 1e-6).sqrt()"),
    ),
    mistake(
        "pd_two_dimensions_only",
        "pairwise_distances",
        Edit(BATCHED_NORMS, "total = norms[:, None] + norms[None, :]"),
    ),
    mistake("pd_gram_without_care", "pairwise_distances", PD_GRAM),
    plain("pd_plain_broadcast", "pairwise_distances", PD_PLAIN_BROADCAST),
    plain("pd_plain_gram", "pairwise_distances", PD_PLAIN_GRAM),
    plain("pd_plain_cdist", "pairwise_distances", PD_PLAIN_CDIST),
    plain("pd_plain_vector_norm", "pairwise_distances", PD_PLAIN_NORM),
    correct("pd_gram_summed_norms", "pairwise_distances", PD_GRAM_SUMMED_NORMS),
    correct("pd_gram_eps_mask", "pairwise_distances", PD_GRAM_EPS_MASK),
    correct("pd_clamp_and_mask", "pairwise_distances", PD_CLAMP_AND_MASK),
    # --- triplet_loss ----------------------------------------------------------------------------
    mistake("tl_sum", "triplet_loss", Edit("return losses.mean()", "return losses.sum()")),
    mistake(
        "tl_no_relu",
        "triplet_loss",
        Edit(
            "torch.relu(distances[:, 0, 1] - distances[:, 0, 2] + margin)",
            "distances[:, 0, 1] - distances[:, 0, 2] + margin",
        ),
    ),
    mistake(
        "tl_margin_subtracted",
        "triplet_loss",
        Edit("distances[:, 0, 2] + margin)", "distances[:, 0, 2] - margin)"),
    ),
    mistake(
        "tl_ignores_squared",
        "triplet_loss",
        Edit("pairwise_distances(triplets, squared=squared)", "pairwise_distances(triplets)"),
    ),
    mistake(
        "tl_empty_gives_nan",
        "triplet_loss",
        Edit(
            "    if len(losses) == 0:\n        return losses.sum()  # 0, still attached",
            "    # the mean of B = 0 losses is NaN, but",
        ),
    ),
    mistake("tl_nan_gradient_at_a_equal_p", "triplet_loss", TL_PLAIN_SQRT),
    plain("tl_plain_functional", "triplet_loss", TL_PLAIN_FUNCTIONAL),
    plain("tl_plain_norm", "triplet_loss", TL_PLAIN_NORM),
    # --- toy_triplet_loss ------------------------------------------------------------------------
    mistake("toy_mean", "toy_triplet_loss", Edit("    return total", "    return total / 8")),
    mistake(
        "toy_includes_self",
        "toy_triplet_loss",
        Edit("if p != a and classes[p] == classes[a]", "if classes[p] == classes[a]"),
    ),
    mistake(
        "toy_signed_distance",
        "toy_triplet_loss",
        Edit("d_ap = (e[..., a] - e[..., p]).abs()", "d_ap = e[..., p] - e[..., a]"),
    ),
    mistake(
        "toy_margin_outside",
        "toy_triplet_loss",
        Edit("torch.relu(d_ap - d_an + margin)", "torch.relu(d_ap - d_an) + margin"),
    ),
    mistake(
        "toy_always_float32",
        "toy_triplet_loss",
        Edit(
            "w = torch.as_tensor(w, dtype=w.dtype if torch.is_tensor(w) else "
            "torch.get_default_dtype())",
            "w = torch.as_tensor(w, dtype=torch.float32)",
        ),
    ),
    plain("toy_plain_eight_terms", "toy_triplet_loss", TOY_PLAIN),
    correct("toy_closed_form", "toy_triplet_loss", TOY_CLOSED_FORM),
    # --- mine_triplets ---------------------------------------------------------------------------
    mistake("mine_hard_strict", "mine_triplets", Edit("keep = delta <= 0", "keep = delta < 0")),
    mistake(
        "mine_semihard_with_zero",
        "mine_triplets",
        Edit("keep = (delta > 0) & (delta <= margin)", "keep = (delta >= 0) & (delta <= margin)"),
    ),
    mistake(
        "mine_all_ignores_margin",
        "mine_triplets",
        Edit("            keep = delta <= margin\n", "            keep = delta <= torch.inf\n"),
    ),
    mistake(
        "mine_self_positive",
        "mine_triplets",
        Edit("        is_positive.fill_diagonal_(False)  # p != a\n", ""),
    ),
    mistake(
        "mine_easy_inclusive",
        "mine_triplets",
        Edit("keep = delta > margin", "keep = delta >= margin"),
    ),
    mistake("mine_order_by_negative", "mine_triplets", MINE_ORDER_BY_NEGATIVE),
    # Right triplets, one Python iteration per candidate triplet: "too slow: vectorize".
    mistake("mine_triple_loop", "mine_triplets", MINE_TRIPLE_LOOP),
    plain("mine_plain_dense", "mine_triplets", MINE_DENSE),
    plain("mine_plain_per_anchor", "mine_triplets", MINE_PER_ANCHOR),
    # --- batch_hard_triplet_loss -----------------------------------------------------------------
    mistake("bh_easiest_positive", "batch_hard_triplet_loss", BH_EASIEST_POSITIVE),
    mistake(
        "bh_farthest_negative",
        "batch_hard_triplet_loss",
        Edit(
            "torch.where(same, torch.inf, rank).argmin(dim=1)",
            "torch.where(same, -torch.inf, rank).argmax(dim=1)",
        ),
    ),
    mistake(
        "bh_sum", "batch_hard_triplet_loss", Edit("return losses.mean()", "return losses.sum()")
    ),
    # An anchor alone in its class counted, its own "positive" at distance 0.
    mistake(
        "bh_self_as_positive",
        "batch_hard_triplet_loss",
        Edit("valid = (members > 1) & (members < len(labels))", "valid = members < len(labels)"),
    ),
    mistake(
        "bh_all_anchors",
        "batch_hard_triplet_loss",
        Edit(
            "valid = (members > 1) & (members < len(labels))",
            "valid = torch.ones(len(labels), dtype=torch.bool)",
        ),
    ),
    mistake("bh_multiplied_mask", "batch_hard_triplet_loss", BH_MULTIPLIED_MASK),
    mistake("bh_nan_gradient", "batch_hard_triplet_loss", BH_PLAIN_SQRT),
    plain("bh_plain_masks", "batch_hard_triplet_loss", BH_PLAIN_MASKS),
    plain("bh_plain_loop", "batch_hard_triplet_loss", BH_PLAIN_LOOP),
    # --- knn_identify ----------------------------------------------------------------------------
    mistake(
        "knn_nearest_only",
        "knn_identify",
        Edit("argsort(dim=1, stable=True)[:, :k]", "argsort(dim=1, stable=True)[:, :1]"),
    ),
    mistake("knn_tie_to_nearest", "knn_identify", KNN_TIE_TO_NEAREST),
    mistake(
        "knn_reject_kth",
        "knn_identify",
        Edit("distances.gather(1, order[:, :1])", "distances.gather(1, order[:, -1:])"),
    ),
    mistake(
        "knn_reject_mean",
        "knn_identify",
        Edit(
            "nearest = distances.gather(1, order[:, :1]).squeeze(1)",
            "nearest = distances.gather(1, order).mean(dim=1)",
        ),
    ),
    mistake(
        "knn_reject_inclusive",
        "knn_identify",
        Edit("identity[nearest > reject_distance]", "identity[nearest >= reject_distance]"),
    ),
    mistake(
        "knn_reject_truthiness",
        "knn_identify",
        Edit(
            "    if reject_distance is not None:\n        nearest",
            "    if reject_distance:\n        nearest",
        ),
    ),
    mistake(
        "knn_ties_to_higher_index",
        "knn_identify",
        Edit(
            "order = distances.argsort(dim=1, stable=True)[:, :k]",
            "order = distances.flip(1).argsort(dim=1, stable=True)[:, :k]\n"
            "    order = distances.shape[1] - 1 - order",
        ),
    ),
    plain("knn_plain_sorted_bincount", "knn_identify", KNN_PLAIN),
    correct("knn_python_counting", "knn_identify", KNN_PYTHON_COUNTING),
    # --- max_cloud_diameter ----------------------------------------------------------------------
    mistake("diam_all_pairs", "max_cloud_diameter", DIAM_ALL_PAIRS),
    mistake("diam_mean_over_classes", "max_cloud_diameter", DIAM_MEAN_OVER_CLASSES),
    mistake("diam_smallest", "max_cloud_diameter", DIAM_SMALLEST),
    mistake(
        "diam_squared",
        "max_cloud_diameter",
        Edit(
            "distances = pairwise_distances(emb)",
            "distances = pairwise_distances(emb, squared=True)",
        ),
    ),
    plain("diam_plain_pdist", "max_cloud_diameter", DIAM_PLAIN_PDIST),
    # --- same_identity ---------------------------------------------------------------------------
    mistake(
        "same_inclusive", "same_identity", Edit("distance < threshold", "distance <= threshold")
    ),
    mistake(
        "same_squared_distance",
        "same_identity",
        Edit("dim=-2))[..., 0, 1]", "dim=-2), squared=True)[..., 0, 1]"),
    ),
    mistake("same_inverted", "same_identity", Edit("distance < threshold", "distance > threshold")),
    mistake("same_all_pairs", "same_identity", SAME_ALL_PAIRS),
    plain("same_plain_norm", "same_identity", SAME_PLAIN),
    correct("same_squared_threshold", "same_identity", SAME_SQUARED_THRESHOLD),
    # --- collection_embedding --------------------------------------------------------------------
    mistake("coll_sum", "collection_embedding", Edit("emb.mean(dim=-2)", "emb.sum(dim=-2)")),
    mistake("coll_mean_dim0", "collection_embedding", Edit("emb.mean(dim=-2)", "emb.mean(dim=0)")),
    mistake(
        "coll_mean_over_coordinates",
        "collection_embedding",
        Edit("emb.mean(dim=-2)", "emb.mean(dim=-1)"),
    ),
    mistake("coll_unit_length", "collection_embedding", COLL_UNIT_LENGTH),
    mistake(
        "coll_float32", "collection_embedding", Edit("emb.mean(dim=-2)", "emb.float().mean(dim=-2)")
    ),
    plain("coll_plain_sum_over_count", "collection_embedding", COLL_PLAIN),
    unattempted("collection_embedding"),
    unattempted("knn_identify"),
    # --- a wrong pairwise_distances under a right function that calls it -------------------------
    cross(
        "l1_distances_under_a_right_miner",
        {"pairwise_distances": PD_L1, "mine_triplets": MINE_DENSE},
        loses=["test_pairwise_distances"],
    ),
    cross(
        "nan_distances_under_a_right_batch_hard",
        {
            "pairwise_distances": Edit(SAFE_SQRT, "return squared_distance.sqrt()"),
            "batch_hard_triplet_loss": BH_OWN_DISTANCES_LOOP,
        },
        loses=["test_pairwise_distances"],
    ),
    cross(
        "distances_without_batches_under_a_right_triplet_loss",
        {
            "pairwise_distances": Edit(BATCHED_NORMS, "total = norms[:, None] + norms[None, :]"),
            "triplet_loss": TL_OWN_DISTANCES,
        },
        loses=["test_pairwise_distances"],
    ),
]

#: Right distances, losses and verification; hard mined with a strict inequality, the lecture's
#: eight hinges averaged, and no knn_identify: 20 - 3 - 2 - 3 = 12 points.
DEMO_STUDENT = ["mine_hard_strict", "toy_mean", "knn_identify_unattempted"]


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _emb(n, d, seed):
    return torch.randn(n, d, generator=_gen(seed), dtype=torch.float64)


def _labels(n, classes, seed):
    return torch.randint(0, classes, (n,), generator=_gen(seed))


#: Inputs on which no helper shipped to students may reproduce an exercise's answer.
PROBES = {
    "pairwise_distances": lambda: {"emb": _emb(7, 3, 1)},
    "triplet_loss": lambda: {
        "anchor": _emb(6, 4, 3),
        "positive": _emb(6, 4, 4),
        "negative": _emb(6, 4, 5),
        "margin": 0.5,
    },
    "toy_triplet_loss": lambda: {"w": torch.linspace(-6, 6, 25, dtype=torch.float64), "b": 0.5},
    "mine_triplets": lambda: {
        "emb": _emb(12, 3, 6),
        "labels": _labels(12, 3, 7),
        "margin": 0.5,
        "kind": "semihard",
    },
    "batch_hard_triplet_loss": lambda: {
        "emb": _emb(12, 3, 8),
        "labels": _labels(12, 3, 9),
        "margin": 0.5,
    },
    "knn_identify": lambda: {
        "query": _emb(8, 3, 10),
        "gallery": _emb(12, 3, 11),
        "gallery_labels": _labels(12, 3, 12),
        "k": 3,
    },
    "max_cloud_diameter": lambda: {"emb": _emb(12, 3, 13), "labels": _labels(12, 3, 14)},
    "same_identity": lambda: {"e1": _emb(9, 3, 15), "e2": _emb(9, 3, 16), "threshold": 1.5},
    "collection_embedding": lambda: {"emb": _emb(4, 5, 17)},
}
