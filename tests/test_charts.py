"""The trend chart: PNG and SVG output, drawn without pyplot."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from bot.charts import FIGURE_SIZE, PNG_DPI, trend_chart
from bot.timeliness import TrendPoint

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"


def point(number: int, on_time: float | None, complete: float | None,
          flagged: float | None) -> TrendPoint:
    return TrendPoint(
        code=f"2026-{number:02d}", label=f"Bulan {number} 2026", periodicity="monthly",
        expected=10, on_time_rate=on_time, completeness=complete,
        median_days_late=None, flagged_share=flagged,
        corrected_by_deadline_share=None, reminded_within_24h_share=None,
    )


POINTS = [
    point(1, 0.2, 0.5, 0.1),
    point(2, 0.4, 0.6, None),
    point(3, None, None, None),
    point(4, 1.0, 1.0, 0.0),
]


def png_size(data: bytes) -> tuple[int, int]:
    """Read width and height from the IHDR chunk that follows the signature."""
    return struct.unpack(">II", data[16:24])


def test_png_signature_and_size():
    data = trend_chart(POINTS, "png")
    assert data.startswith(PNG_SIGNATURE)
    assert png_size(data) == (FIGURE_SIZE[0] * PNG_DPI, FIGURE_SIZE[1] * PNG_DPI)
    # Three lines, axes and labels cannot fit in less than 10 kB.
    assert len(data) > 10_000


def test_svg_parses_as_xml():
    data = trend_chart(POINTS, "svg")
    root = ElementTree.fromstring(data)
    assert root.tag == f"{SVG_NAMESPACE}svg"
    # One path per line, at least, besides the axes.
    assert len(list(root.iter(f"{SVG_NAMESPACE}path"))) >= len(POINTS)


def test_empty_and_single_point():
    assert trend_chart([], "png").startswith(PNG_SIGNATURE)
    assert trend_chart(POINTS[:1], "png").startswith(PNG_SIGNATURE)


def test_rejects_unknown_format():
    with pytest.raises(ValueError, match="'pdf' is not supported"):
        trend_chart(POINTS, "pdf")


def test_chart_does_not_load_pyplot():
    """pyplot keeps global figures, which a web process must not share."""
    code = (
        "import sys\n"
        "from bot.charts import trend_chart\n"
        "trend_chart([], 'svg')\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
