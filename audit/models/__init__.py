"""Model families of the reference domains."""

from audit.models._mlp import MLP
from audit.models._transformer import TransformerClassifier

__all__ = ["MLP", "TransformerClassifier"]
