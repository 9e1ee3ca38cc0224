"""Data sets that ship with the package (no network needed)."""

from audit.datasets._breast_cancer import breast_cancer
from audit.datasets._german import GERMAN_CREDIT_SHA256, TabularData, german_credit
from audit.datasets._online import DatasetUnavailableError, adult, huggingface_text
from audit.datasets._sentiment import SentimentData, sentiment_corpus

__all__ = [
    "GERMAN_CREDIT_SHA256",
    "DatasetUnavailableError",
    "SentimentData",
    "TabularData",
    "adult",
    "breast_cancer",
    "german_credit",
    "huggingface_text",
    "sentiment_corpus",
]
