"""A YAML loader for untrusted config files: safe tags only, no aliases, bounded nesting."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError

__all__ = ["ConfigLoader"]


class ConfigLoader(yaml.SafeLoader):
    """PyYAML's ``SafeLoader`` that refuses aliases and nesting deeper than ``max_depth``.

    An alias (``*name``) re-uses an anchored node; nested aliases expand
    exponentially (a 467-byte file reached 8.6 GB), so none is accepted. Deep
    nesting would exhaust Python's recursion in the composer. Both raise a
    :class:`yaml.composer.ComposerError` marked with the line and column.

    Parameters
    ----------
    stream : str
        The YAML text.
    max_depth : int
        The deepest nesting of mappings and lists accepted.

    Examples
    --------
    >>> loader = ConfigLoader("a: [1, 2]", max_depth=4)
    >>> loader.get_single_data()
    {'a': [1, 2]}
    >>> ConfigLoader("a: &x 1\\nb: *x", max_depth=4).get_single_data()
    Traceback (most recent call last):
    ...
    yaml.composer.ComposerError: YAML aliases (*x) are not supported; write the value out
      in "<unicode string>", line 2, column 4:
        b: *x
           ^
    """

    def __init__(self, stream: str, *, max_depth: int) -> None:
        super().__init__(stream)
        self._max_depth = max_depth
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, refusing an alias or a node nested too deep."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None,
                None,
                f"YAML aliases (*{event.anchor[:40]}) are not supported; write the value out",
                event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                raise ComposerError(
                    None,
                    None,
                    f"nesting deeper than {self._max_depth} levels is not supported",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
