"""06_collaborative: a student who centres Pearson with each user's overall mean, lets a user
count as their own neighbour, and skips recall; the rest is right.

Expected score: 6 of 12 (pearson_item_similarity 1, item_based_scores 2, recommend 2,
precision_at_k 1). The item similarity calls the wrong user similarity, yet keeps its
point: its test uses the answer key's user similarity.
"""

ASSIGNMENT = "06_collaborative"
NOTEBOOK = "collaborative"
EXPECTED_SCORE = 6

PARTLY_WRONG = {
    # Means over all of each user's ratings instead of over the co-rated items.
    "pearson_user_similarity": """
def pearson_user_similarity(R):
    require_float_tensor("R", R)
    require_rank("R", R, 2, "(users, items)")
    if torch.isinf(R).any():
        raise ValueError("R must not hold an infinity")
    means = torch.nanmean(R.double(), dim=1)
    M = (~torch.isnan(R)).double()
    X = torch.where(torch.isnan(R), 0.0, R.double() - means[:, None])
    n = M @ M.T
    num = X @ X.T
    su = (X * X) @ M.T
    den = torch.sqrt(su * su.T)
    ok = (n >= 2) & (den > 0)
    W = torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), torch.zeros_like(den))
    return W.to(R.dtype)
""",
    # U(u) includes u itself (W[u, u] = 1 is above any alpha < 1).
    "user_based_scores": """
def user_based_scores(R, W, u, alpha):
    require_float_tensor("R", R)
    require_float_tensor("W", W)
    require_rank("R", R, 2, "(users, items)")
    if W.shape != (R.shape[0], R.shape[0]):
        raise ValueError("W must be (users, users)")
    require_int_at_least("u", u, 0)
    if u >= R.shape[0]:
        raise ValueError("u out of range")
    similar = W[u] > alpha
    if not similar.any():
        return torch.zeros(R.shape[1], dtype=R.dtype)
    return ((~torch.isnan(R[similar])).sum(0) / similar.sum()).to(R.dtype)
""",
    # Not attempted: the cell is left as released.
    "recall_at_k": """
def recall_at_k(recommended, relevant, k):
    # YOUR CODE HERE
    raise NotImplementedError()
""",
}
