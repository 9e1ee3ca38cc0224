"""Data sets that ship with the package (no network needed)."""

from audit.datasets._breast_cancer import breast_cancer
from audit.datasets._digits import ImageData, digits_images
from audit.datasets._encode import TabularEncoder
from audit.datasets._german import GERMAN_CREDIT_SHA256, TabularData, german_credit
from audit.datasets._online import DatasetUnavailableError, adult, huggingface_text
from audit.datasets._sentiment import SentimentData, sentiment_corpus
from audit.datasets._signals import SignalData, event_signals

__all__ = [
    "GERMAN_CREDIT_SHA256",
    "DatasetUnavailableError",
    "ImageData",
    "SentimentData",
    "SignalData",
    "TabularData",
    "TabularEncoder",
    "adult",
    "breast_cancer",
    "digits_images",
    "event_signals",
    "german_credit",
    "huggingface_text",
    "sentiment_corpus",
]
