"""Charts of the reporting figures, drawn with matplotlib without pyplot."""

from __future__ import annotations

from bot.timeliness import TrendPoint

FORMATS = ("png", "svg")


def trend_chart(points: list[TrendPoint], fmt: str = "png") -> bytes:
    """Draw on-time rate, completeness and flagged share per period, as PNG or SVG."""
    raise NotImplementedError
