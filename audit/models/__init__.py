"""Model families of the reference domains."""

from audit.models._mlp import MLP

__all__ = ["MLP"]
