"""05_triplet: a student who mines "hard" triplets with a strict inequality, averages the
lecture's eight hinges instead of summing them, and skips knn_identify.

Expected score: 12 of 20 (pairwise_distances 2 + triplet_loss 2 + batch_hard_triplet_loss 3
+ max_cloud_diameter 2 + same_identity 1 + collection_embedding 2).
"""

ASSIGNMENT = "05_triplet"
NOTEBOOK = "triplet"
EXPECTED_SCORE = 12

PARTLY_WRONG = {
    # delta < 0 instead of delta <= 0: misses the triplets whose negative is exactly as far.
    "mine_triplets": """
def mine_triplets(emb, labels, margin, kind):
    if kind not in ("all", "hard", "semihard", "easy"):
        raise ValueError(f"unknown kind {kind!r}")
    with torch.no_grad():
        d = torch.cdist(emb, emb)
        same = labels[:, None] == labels[None, :]
        pos = same & ~torch.eye(len(labels), dtype=torch.bool)
        a, p = pos.nonzero(as_tuple=True)
        delta = d[a] - d[a, p][:, None]
        keep = {"all": delta <= margin, "hard": delta < 0,
                "semihard": (delta > 0) & (delta <= margin), "easy": delta > margin}[kind]
        k, n = (keep & ~same[a]).nonzero(as_tuple=True)
    return a[k], p[k], n
""",
    # The mean of the eight hinges instead of their sum.
    "toy_triplet_loss": """
def toy_triplet_loss(w, b=0.0, margin=5.0):
    w = torch.as_tensor(w, dtype=torch.float32)
    s = w.abs()
    return (4 * torch.relu(margin - 2 * s) + 2 * torch.relu(margin - 3 * s)
            + 2 * torch.relu(margin - s)) / 8
""",
    # Not attempted: the cell is left as released.
    "knn_identify": """
def knn_identify(query, gallery, gallery_labels, k, reject_distance=None):
    # YOUR CODE HERE
    raise NotImplementedError()
""",
}
