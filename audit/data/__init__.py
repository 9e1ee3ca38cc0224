"""The data audit: representation, base rates, balance, missing values, duplicates, shift."""

from audit.data._inputs import SplitData
from audit.data._section import data_section, subject_data_section

__all__ = ["SplitData", "data_section", "subject_data_section"]
