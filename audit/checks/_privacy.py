"""Privacy: the DP-SGD record, membership-inference attacks and the cost of privacy.

The check itself lives in :mod:`audit.privacy._section`; this module is its entry in
the check registry.
"""

from __future__ import annotations

from audit.privacy._section import SECTION_ID, TITLE, conclude, run

__all__ = ["SECTION_ID", "TITLE", "conclude", "run"]
