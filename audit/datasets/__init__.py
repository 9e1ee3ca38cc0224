"""Data sets that ship with the package (no network needed)."""

from audit.datasets._german import GERMAN_CREDIT_SHA256, TabularData, german_credit

__all__ = ["GERMAN_CREDIT_SHA256", "TabularData", "german_credit"]
