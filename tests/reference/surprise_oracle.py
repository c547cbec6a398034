"""scikit-surprise as an oracle for 06_collaborative: the same ratings, surprise's own code.

Shared by the oracle tests (``tests/reference/test_collaborative.py``) and the
benchmark (``python -m tests.benchmarks.bench_pearson``): a dense nan-matrix
turned into surprise's Trainset, and surprise's similarity matrices (indexed
by its inner ids) turned back into our row and column order.
"""

import torch
from surprise import Dataset, Reader
from surprise.similarities import pearson

__all__ = ["surprise_matrix", "surprise_pearson", "surprise_trainset"]


def surprise_trainset(R):
    """A surprise Trainset of the nan-matrix ``R``, ratings fed in row order.

    Raw ids are the 0-based row and column numbers as strings. Returns the
    trainset and the lists mapping surprise's inner user and item ids to our
    rows and columns (surprise numbers them in order of first appearance).
    """
    users, items = torch.nonzero(~torch.isnan(R), as_tuple=True)
    stars = R[users, items].tolist()
    raw = [
        (str(u), str(i), r, None)
        for u, i, r in zip(users.tolist(), items.tolist(), stars, strict=True)
    ]
    trainset = Dataset(Reader(rating_scale=(0.5, 5))).construct_trainset(raw)
    user_rows = [int(trainset.to_raw_uid(k)) for k in range(trainset.n_users)]
    item_cols = [int(trainset.to_raw_iid(k)) for k in range(trainset.n_items)]
    return trainset, user_rows, item_cols


def surprise_matrix(S, order, size):
    """Surprise's similarity ``S`` (inner ids) as a float64 (size, size) matrix in our order.

    Rows and columns that surprise does not know (a user without ratings, an
    item nobody rated) are 0.
    """
    out = torch.zeros(size, size, dtype=torch.float64)
    index = torch.tensor(order, dtype=torch.int64)
    out[index[:, None], index[None, :]] = torch.as_tensor(S, dtype=torch.float64)
    return out


def surprise_pearson(trainset, user_rows, size, min_support=1):
    """surprise's user-user ``pearson`` of ``trainset`` as a (size, size) matrix in our order."""
    return surprise_matrix(pearson(trainset.n_users, trainset.ir, min_support), user_rows, size)
