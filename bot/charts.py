"""Charts of the reporting figures, drawn with matplotlib without pyplot.

Each chart draws on its own `matplotlib.figure.Figure` with the Agg canvas,
so it shares no state with other threads or requests of a web process.
"""

from __future__ import annotations

import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from bot.timeliness import TrendPoint

FORMATS = ("png", "svg")
# Series of the trend chart: attribute of TrendPoint, legend label, colour
# (from matplotlib's colour-blind-safe "tab10" palette), marker and line style.
TREND_SERIES = (
    ("on_time_rate", "Tepat waktu", "tab:blue", "o", "-"),
    ("completeness", "Kelengkapan", "tab:green", "s", "--"),
    ("flagged_share", "Nilai ditandai", "tab:orange", "^", ":"),
)
# Series that are not final until a period's deadline day has passed.
UNFINISHED_SERIES = ("on_time_rate", "completeness")
TREND_TITLE = "Ketepatan waktu dan kelengkapan laporan"
# Inches and dots per inch of the PNG: 1024 by 640 pixels. The dashboard
# scales the SVG to the screen, so a small figure keeps its text legible on
# a phone 360 pixels wide.
FIGURE_SIZE = (6.4, 4)
PNG_DPI = 160
# Periods per tick label before the labels are turned to fit.
UPRIGHT_LABELS_MAX = 6


def trend_chart(points: list[TrendPoint], fmt: str = "png") -> bytes:
    """Draw on-time rate, completeness and flagged share per period, as PNG or SVG.

    The y axis runs from 0 to 100 %. A period without data for a series (no
    expected agency, or no stored value) leaves a gap in that line. The
    chart shows period labels and figures only, no names or numbers of
    officials. Raises ValueError for a format other than `png` or `svg`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Chart format {fmt!r} is not supported; use png or svg.")
    figure = Figure(figsize=FIGURE_SIZE, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(points)))

    for attribute, label, colour, marker, style in TREND_SERIES:
        # Before its deadline a period's on-time rate and completeness only
        # grow, so they are left out rather than drawn as a fall.
        values = [
            math.nan if not point.due and attribute in UNFINISHED_SERIES
            else _percent(getattr(point, attribute))
            for point in points
        ]
        # Unclipped, so a marker at 0 or 100 % shows whole on the axis edge.
        axes.plot(positions, values, label=label, color=colour, marker=marker,
                  linestyle=style, linewidth=2, clip_on=False)

    axes.set_title(TREND_TITLE)
    axes.set_ylim(0, 100)
    axes.yaxis.set_major_formatter(PercentFormatter(100))
    axes.set_ylabel("Persen")
    axes.set_xticks(positions)
    rotation = 0 if len(points) <= UPRIGHT_LABELS_MAX else 45
    axes.set_xticklabels(
        [point.label for point in points],
        rotation=rotation,
        ha="center" if rotation == 0 else "right",
    )
    if points:
        axes.set_xlim(-0.5, len(points) - 0.5)
    axes.set_xlabel("Periode")
    axes.grid(axis="y", alpha=0.3)
    # Below the plot, so the legend never hides a line.
    figure.legend(loc="outside lower center", ncols=len(TREND_SERIES))

    stream = io.BytesIO()
    # The SVG leaves out its creation date. Its element ids are random, so
    # two charts embedded in one page do not clash.
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(stream, format=fmt, dpi=PNG_DPI, metadata=metadata)
    return stream.getvalue()


def _percent(share: float | None) -> float:
    # NaN leaves a gap where the figure has no data.
    return math.nan if share is None else 100 * share
