"""Argument checks of 04_perceptual's exercises, beyond those of ``course.checks``."""

from course.checks import require_finite_tensors, require_rank

__all__ = ["require_feature_maps", "require_layers"]


def require_feature_maps(name, features):
    """Raise unless ``features`` is a finite float tensor (B, C, H, W) with C, H, W > 0."""
    require_finite_tensors(**{name: features})
    require_rank(name, features, 4, "(B, C, H, W)")
    if features.shape[1] == 0 or features.shape[2] * features.shape[3] == 0:
        raise ValueError(
            f"{name} needs a channel and a position, got shape {tuple(features.shape)}"
        )


def require_layers(name, feats, layers):
    """Raise unless ``feats`` is a dict ``{layer name: tensor}`` with every layer of ``layers``."""
    if not isinstance(feats, dict):
        raise TypeError(f"{name} must be a dict {{layer name: tensor}}, got {type(feats).__name__}")
    missing = [layer for layer in layers if layer not in feats]
    if missing:
        raise ValueError(f"{name} has no layer {missing}; it holds {sorted(feats)}")
