"""Compute: model size, FLOPs per example, inference time, training energy estimate."""

from audit.compute._section import FLOP_ROWS, TIME_METRICS, compute_section, count_flops

__all__ = ["FLOP_ROWS", "TIME_METRICS", "compute_section", "count_flops"]
