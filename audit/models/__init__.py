"""Model families of the reference domains."""

from audit.models._cnn import ResNetSmall
from audit.models._crnn import CRNN
from audit.models._lstm import LSTMClassifier
from audit.models._mlp import MLP
from audit.models._transformer import TransformerClassifier

__all__ = ["CRNN", "MLP", "LSTMClassifier", "ResNetSmall", "TransformerClassifier"]
