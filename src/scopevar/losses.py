"""``tf.losses``: the regularization-loss helpers (recomputed on every call)."""
from .regularizers import get_regularization_loss, get_regularization_losses

__all__ = ["get_regularization_loss", "get_regularization_losses"]
