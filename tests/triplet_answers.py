"""Student answers for 05_triplet used by the grading tests.

``MISTAKES``: plausible wrong answers, each in one solution cell; each must lose
the points of that cell's ``test_<name>`` and nothing else. Each one keeps the
argument checks the exercise asks for, so that it fails for its own slip.
``VARIANTS``: correct answers written differently; each must keep full marks.
``CROSS``: submissions with two cells changed, and the only test that may lose points.
"""

_PD = """def pairwise_distances(emb, squared=False):
    require_finite_tensors(emb=emb)
    require_rank("emb", emb, 2, "(N, D)")
"""

_TL = """def triplet_loss(anchor, positive, negative, margin=1.0, squared=False):
    require_finite_tensors(anchor=anchor, positive=positive, negative=negative)
    require_rank("anchor", anchor, 2, "(B, D)")
    require_same_shape("positive", positive, "anchor", anchor)
    require_same_shape("negative", negative, "anchor", anchor)
    require_nonnegative_number("margin", margin)
"""

_TOY = """def toy_triplet_loss(w, b=0.0, margin=5.0):
    require_nonnegative_number("margin", margin)
    w = torch.as_tensor(w, dtype=w.dtype if torch.is_tensor(w) else torch.get_default_dtype())
    b = torch.as_tensor(b, dtype=w.dtype)
    x = torch.tensor([-2.0, -1.0, 1.0, 2.0], dtype=w.dtype)
    cls = [0, 0, 1, 1]
    e = w.unsqueeze(-1) * x + b.unsqueeze(-1)
"""

_MINE = """def mine_triplets(emb, labels, margin, kind):
    require_finite_tensors(emb=emb)
    require_rank("emb", emb, 2, "(N, D)")
    require_int_tensor("labels", labels)
    require_shape("labels", labels, (emb.shape[0],))
    require_nonnegative_number("margin", margin)
    if kind not in ("all", "hard", "semihard", "easy"):
        raise ValueError(f"unknown kind {kind!r}")
"""

_BH = """def batch_hard_triplet_loss(emb, labels, margin):
    require_finite_tensors(emb=emb)
    require_rank("emb", emb, 2, "(N, D)")
    require_int_tensor("labels", labels)
    require_shape("labels", labels, (emb.shape[0],))
    require_nonnegative_number("margin", margin)
"""

_KNN = """def knn_identify(query, gallery, gallery_labels, k, reject_distance=None):
    require_finite_tensors(query=query, gallery=gallery)
    require_rank("query", query, 2, "(M, D)")
    require_rank("gallery", gallery, 2, "(G, D)")
    if query.shape[1] != gallery.shape[1]:
        raise ValueError("query and gallery widths differ")
    require_int_tensor("gallery_labels", gallery_labels)
    require_shape("gallery_labels", gallery_labels, (gallery.shape[0],))
    require_int_at_least("k", k, 1)
    if k > len(gallery):
        raise ValueError("k is larger than the gallery")
    if (gallery_labels < 0).any():
        raise ValueError("negative label")
    if reject_distance is not None:
        require_nonnegative_number("reject_distance", reject_distance)
"""

_DIAM = """def max_cloud_diameter(emb, labels):
    require_finite_tensors(emb=emb)
    require_rank("emb", emb, 2, "(N, D)")
    require_int_tensor("labels", labels)
    require_shape("labels", labels, (emb.shape[0],))
    if len(emb) == 0:
        raise ValueError("no embeddings")
"""

_SAME = """def same_identity(e1, e2, threshold):
    require_finite_tensors(e1=e1, e2=e2)
    require_same_shape("e2", e2, "e1", e1)
    if e1.dim() not in (1, 2):
        raise ValueError("e1 must be (D,) or (M, D)")
    require_nonnegative_number("threshold", threshold)
"""

_COLL = """def collection_embedding(emb):
    require_finite_tensors(emb=emb)
    if emb.dim() < 2 or emb.shape[-2] == 0:
        raise ValueError("emb must be (n, D) or (..., n, D) with n >= 1")
"""

# Shared bodies.
_SAFE_SQRT = """    positive = sq > 0
    safe = torch.where(positive, sq, torch.ones_like(sq))
    return torch.where(positive, safe.sqrt(), torch.zeros_like(sq))
"""
_TOY_LOOP = """    total = torch.zeros(torch.broadcast_shapes(w.shape, b.shape), dtype=w.dtype)
    for a in range(4):
        for p in range(4):
            for n in range(4):
                if {condition}:
                    d_ap = {d_ap}
                    d_an = (e[..., a] - e[..., n]).abs()
                    total = total + {term}
    return total{scale}
"""


def _toy(
    condition="p != a and cls[p] == cls[a] and cls[n] != cls[a]",
    d_ap="(e[..., a] - e[..., p]).abs()",
    term="torch.relu(d_ap - d_an + margin)",
    scale="",
):
    return _TOY + _TOY_LOOP.format(condition=condition, d_ap=d_ap, term=term, scale=scale)


_MINE_BODY = """    with torch.no_grad():
        d = torch.cdist(emb, emb)
        same = labels[:, None] == labels[None, :]
        pos = same & {self_rule}
        a, p = pos.nonzero(as_tuple=True)
        delta = d[a] - d[a, p][:, None]
        if kind == "easy":
            keep = {easy}
        elif kind == "hard":
            keep = {hard}
        elif kind == "semihard":
            keep = {semihard}
        else:
            keep = {all_}
        keep = keep & ~same[a]
        k, n = keep.nonzero(as_tuple=True)
    return a[k], p[k], n
"""


def _mine(
    self_rule="~torch.eye(len(labels), dtype=torch.bool)",
    easy="delta > margin",
    hard="delta <= 0",
    semihard="(delta > 0) & (delta <= margin)",
    all_="delta <= margin",
):
    return _MINE + _MINE_BODY.format(
        self_rule=self_rule, easy=easy, hard=hard, semihard=semihard, all_=all_
    )


_BH_BODY = """    d = {distances}
    same = labels[:, None] == labels[None, :]
    pos = same & {self_rule}
    hp = torch.where(pos, d, -torch.inf).{pos_reduce}(dim=1).values
    hn = torch.where(~same, d, torch.inf).{neg_reduce}(dim=1).values
    valid = {valid}
    losses = torch.relu(hp[valid] - hn[valid] + margin)
    if len(losses) == 0:
        return d.sum() * 0.0
    return losses.{reduce}()
"""


def _bh(
    distances="torch.cdist(emb, emb)",
    self_rule="~torch.eye(len(labels), dtype=torch.bool)",
    pos_reduce="max",
    neg_reduce="min",
    valid="pos.any(dim=1) & (~same).any(dim=1)",
    reduce="mean",
):
    return _BH + _BH_BODY.format(
        distances=distances,
        self_rule=self_rule,
        pos_reduce=pos_reduce,
        neg_reduce=neg_reduce,
        valid=valid,
        reduce=reduce,
    )


_KNN_BODY = """    d = torch.cdist(query, gallery)
    order = d.argsort(dim=1, stable=True)[:, :{k}]
    votes = torch.zeros(len(query), int(gallery_labels.max()) + 1, dtype=torch.int64)
    votes.scatter_add_(1, gallery_labels[order], torch.ones_like(order))
    result = votes.argmax(dim=1)
    if reject_distance is not None:
        nearest = {nearest}
        result[nearest {compare} reject_distance] = -1
    return result
"""


def _knn(k="k", nearest="d.gather(1, order[:, :1]).squeeze(1)", compare=">"):
    return _KNN + _KNN_BODY.format(k=k, nearest=nearest, compare=compare)


MISTAKES = {
    # --- pairwise_distances ---
    "pd_plain_sqrt": (
        "pairwise_distances",
        _PD
        + """    sq = (emb[:, None, :] - emb[None, :, :]).pow(2).sum(-1)
    return sq if squared else sq.sqrt()
""",
    ),
    "pd_l1": (
        "pairwise_distances",
        _PD
        + """    d = (emb[:, None, :] - emb[None, :, :]).abs().sum(-1)
    return d.pow(2) if squared else d
""",
    ),
    "pd_ignores_squared": (
        "pairwise_distances",
        _PD
        + """    sq = (emb[:, None, :] - emb[None, :, :]).pow(2).sum(-1)
"""
        + _SAFE_SQRT,
    ),
    "pd_eps_inside_sqrt": (
        "pairwise_distances",
        _PD
        + """    sq = (emb[:, None, :] - emb[None, :, :]).pow(2).sum(-1)
    return sq if squared else (sq + 1e-6).sqrt()
""",
    ),
    # --- triplet_loss ---
    "tl_sum": (
        "triplet_loss",
        _TL
        + """    d_ap = (anchor - positive).pow(2).sum(1)
    d_an = (anchor - negative).pow(2).sum(1)
    if not squared:
        d_ap, d_an = d_ap.sqrt(), d_an.sqrt()
    return torch.relu(d_ap - d_an + margin).sum()
""",
    ),
    "tl_no_relu": (
        "triplet_loss",
        _TL
        + """    if len(anchor) == 0:
        return torch.tensor(0.0)
    d_ap = (anchor - positive).pow(2).sum(1)
    d_an = (anchor - negative).pow(2).sum(1)
    if not squared:
        d_ap, d_an = d_ap.sqrt(), d_an.sqrt()
    return (d_ap - d_an + margin).mean()
""",
    ),
    "tl_margin_subtracted": (
        "triplet_loss",
        _TL
        + """    if len(anchor) == 0:
        return torch.tensor(0.0)
    d_ap = (anchor - positive).pow(2).sum(1)
    d_an = (anchor - negative).pow(2).sum(1)
    if not squared:
        d_ap, d_an = d_ap.sqrt(), d_an.sqrt()
    return torch.relu(d_ap - d_an - margin).mean()
""",
    ),
    "tl_ignores_squared": (
        "triplet_loss",
        _TL
        + """    if len(anchor) == 0:
        return torch.tensor(0.0)
    d_ap = (anchor - positive).norm(dim=1)
    d_an = (anchor - negative).norm(dim=1)
    return torch.relu(d_ap - d_an + margin).mean()
""",
    ),
    "tl_empty_nan": (
        "triplet_loss",
        _TL
        + """    d_ap = (anchor - positive).pow(2).sum(1)
    d_an = (anchor - negative).pow(2).sum(1)
    if not squared:
        d_ap, d_an = d_ap.sqrt(), d_an.sqrt()
    return torch.relu(d_ap - d_an + margin).mean()
""",
    ),
    # --- toy_triplet_loss ---
    "toy_mean": ("toy_triplet_loss", _toy(scale=" / 8")),
    "toy_includes_self": (
        "toy_triplet_loss",
        _toy(condition="cls[p] == cls[a] and cls[n] != cls[a]"),
    ),
    "toy_signed_distance": ("toy_triplet_loss", _toy(d_ap="(e[..., p] - e[..., a])")),
    "toy_margin_outside": ("toy_triplet_loss", _toy(term="torch.relu(d_ap - d_an) + margin")),
    # --- mine_triplets ---
    "mine_hard_strict": ("mine_triplets", _mine(hard="delta < 0")),
    "mine_semihard_with_zero": (
        "mine_triplets",
        _mine(semihard="(delta >= 0) & (delta <= margin)"),
    ),
    "mine_all_ignores_margin": (
        "mine_triplets",
        _mine(all_="torch.ones_like(delta, dtype=torch.bool)"),
    ),
    "mine_self_positive": ("mine_triplets", _mine(self_rule="True")),
    "mine_easy_inclusive": ("mine_triplets", _mine(easy="delta >= margin")),
    "mine_order_by_negative": (
        "mine_triplets",
        _MINE
        + """    with torch.no_grad():
        d = torch.cdist(emb, emb)
        same = labels[:, None] == labels[None, :]
        pos = same & ~torch.eye(len(labels), dtype=torch.bool)
        # a, n, p order: loop over negatives before positives
        delta = d[:, None, :] - d[:, :, None]  # delta[a, p, n]
        rules = {"all": delta <= margin, "hard": delta <= 0,
                 "semihard": (delta > 0) & (delta <= margin), "easy": delta > margin}
        keep = rules[kind] & pos[:, :, None] & ~same[:, None, :]
        a, n, p = keep.permute(0, 2, 1).nonzero(as_tuple=True)
    return a, p, n
""",
    ),
    # --- batch_hard_triplet_loss ---
    "bh_easiest_positive": (
        "batch_hard_triplet_loss",
        _bh(pos_reduce="min").replace(
            "torch.where(pos, d, -torch.inf)", "torch.where(pos, d, torch.inf)"
        ),
    ),
    "bh_farthest_negative": (
        "batch_hard_triplet_loss",
        _bh(neg_reduce="max").replace(
            "torch.where(~same, d, torch.inf)", "torch.where(~same, d, -torch.inf)"
        ),
    ),
    "bh_sum": ("batch_hard_triplet_loss", _bh(reduce="sum")),
    "bh_self_as_positive": ("batch_hard_triplet_loss", _bh(self_rule="True")),
    "bh_all_anchors": (
        "batch_hard_triplet_loss",
        _bh(valid="torch.ones(len(labels), dtype=torch.bool)").replace(
            "torch.relu(hp[valid] - hn[valid] + margin)",
            "torch.relu(hp - hn + margin).nan_to_num(0.0, posinf=0.0)",
        ),
    ),
    "bh_plain_sqrt": (
        "batch_hard_triplet_loss",
        _bh(distances="(emb[:, None] - emb[None]).pow(2).sum(-1).sqrt()"),
    ),
    # --- knn_identify ---
    "knn_nearest_only": ("knn_identify", _knn(k="1")),
    "knn_tie_to_nearest": (
        "knn_identify",
        _KNN
        + """    d = torch.cdist(query, gallery)
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
""",
    ),
    "knn_reject_kth": ("knn_identify", _knn(nearest="d.gather(1, order[:, -1:]).squeeze(1)")),
    "knn_reject_mean": ("knn_identify", _knn(nearest="d.gather(1, order).mean(dim=1)")),
    "knn_reject_inclusive": ("knn_identify", _knn(compare=">=")),
    # --- max_cloud_diameter ---
    "diam_all_pairs": (
        "max_cloud_diameter",
        _DIAM
        + """    return torch.cdist(emb, emb).max()
""",
    ),
    "diam_mean_over_classes": (
        "max_cloud_diameter",
        _DIAM
        + """    d = torch.cdist(emb, emb)
    diameters = [d[labels == c][:, labels == c].max() for c in labels.unique()]
    return torch.stack(diameters).mean()
""",
    ),
    "diam_squared": (
        "max_cloud_diameter",
        _DIAM
        + """    d = torch.cdist(emb, emb).pow(2)
    same = labels[:, None] == labels[None, :]
    return torch.where(same, d, torch.zeros_like(d)).max()
""",
    ),
    # --- same_identity ---
    "same_inclusive": (
        "same_identity",
        _SAME
        + """    return (e1 - e2).norm(dim=-1) <= threshold
""",
    ),
    "same_squared_distance": (
        "same_identity",
        _SAME
        + """    return (e1 - e2).pow(2).sum(-1) < threshold
""",
    ),
    "same_inverted": (
        "same_identity",
        _SAME
        + """    return (e1 - e2).norm(dim=-1) > threshold
""",
    ),
    # --- collection_embedding ---
    "coll_sum": (
        "collection_embedding",
        _COLL
        + """    return emb.sum(dim=-2)
""",
    ),
    "coll_mean_dim0": (
        "collection_embedding",
        _COLL
        + """    return emb.mean(dim=0)
""",
    ),
    "coll_unit_length": (
        "collection_embedding",
        _COLL
        + """    centre = emb.mean(dim=-2)
    return centre / centre.norm(dim=-1, keepdim=True)
""",
    ),
    "coll_mean_over_coordinates": (
        "collection_embedding",
        _COLL
        + """    return emb.mean(dim=-1)
""",
    ),
}

VARIANTS = {
    "pd_gram_matrix": (
        "pairwise_distances",
        _PD
        + """    gram = emb @ emb.T
    norms = gram.diagonal()
    sq = (norms[:, None] + norms[None, :] - 2 * gram).clamp(min=0)
    sq = sq * (1 - torch.eye(len(emb), dtype=emb.dtype))
    if squared:
        return sq
"""
        + _SAFE_SQRT,
    ),
    "pd_loop_rows": (
        "pairwise_distances",
        _PD
        + """    rows = [(emb - emb[i]).pow(2).sum(dim=1) for i in range(len(emb))]
    sq = torch.stack(rows) if rows else emb.new_zeros(0, 0)
    if squared:
        return sq
    positive = sq > 0
    return torch.where(positive, torch.where(positive, sq, 1.0).sqrt(), 0.0)
""",
    ),
    "tl_functional": (
        "triplet_loss",
        _TL
        + """    if anchor.shape[0] == 0:
        return torch.zeros((), dtype=anchor.dtype)
    d_ap = torch.nn.functional.pairwise_distance(anchor, positive)
    d_an = torch.nn.functional.pairwise_distance(anchor, negative)
    if squared:
        d_ap, d_an = d_ap.pow(2), d_an.pow(2)
    return torch.clamp(d_ap - d_an + margin, min=0).mean()
""",
    ),
    "toy_closed_form": (
        "toy_triplet_loss",
        _TOY
        + """    s = w.abs() + 0 * b
    terms = 4 * torch.relu(margin - 2 * s) + 2 * torch.relu(margin - 3 * s)
    return terms + 2 * torch.relu(margin - s)
""",
    ),
    "mine_dense_with_own_distances": (
        "mine_triplets",
        _MINE
        + """    d = pairwise_distances(emb.detach())
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
""",
    ),
    "bh_loop_with_own_distances": (
        "batch_hard_triplet_loss",
        _BH
        + """    d = pairwise_distances(emb)
    losses = []
    for a in range(len(emb)):
        pos = (labels == labels[a]) & (torch.arange(len(emb)) != a)
        neg = labels != labels[a]
        if pos.any() and neg.any():
            losses.append(torch.relu(d[a][pos].max() - d[a][neg].min() + margin))
    if not losses:
        return emb.sum() * 0.0
    return torch.stack(losses).mean()
""",
    ),
    "knn_python_counting": (
        "knn_identify",
        _KNN
        + """    d = torch.cdist(query, gallery)
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
""",
    ),
    "diam_per_class_pdist": (
        "max_cloud_diameter",
        _DIAM
        + """    best = torch.zeros((), dtype=emb.dtype)
    for c in labels.unique():
        members = emb[labels == c]
        if len(members) > 1:
            best = torch.maximum(best, torch.pdist(members).max())
    return best
""",
    ),
    "same_squared_threshold": (
        "same_identity",
        _SAME
        + """    return (e1 - e2).pow(2).sum(dim=-1) < threshold ** 2
""",
    ),
    "coll_sum_over_count": (
        "collection_embedding",
        _COLL
        + """    return emb.sum(dim=-2) / emb.shape[-2]
""",
    ),
}

CROSS = {
    "wrong_distances_used_by_a_correct_miner": (
        {
            "pairwise_distances": MISTAKES["pd_l1"][1],
            "mine_triplets": VARIANTS["mine_dense_with_own_distances"][1],
        },
        "test_pairwise_distances",
    ),
    "nan_distances_used_by_a_correct_batch_hard": (
        {
            "pairwise_distances": MISTAKES["pd_plain_sqrt"][1],
            "batch_hard_triplet_loss": VARIANTS["bh_loop_with_own_distances"][1],
        },
        "test_pairwise_distances",
    ),
}
