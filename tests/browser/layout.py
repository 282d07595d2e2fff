"""Layout checks that run in the page: horizontal overflow and inner scrolling."""

from __future__ import annotations

# Pixels the page is wider than the viewport, on the document and the body.
PAGE_OVERFLOW_SCRIPT = """() => ({
    document: document.documentElement.scrollWidth - window.innerWidth,
    body: document.body.scrollWidth - window.innerWidth,
})"""

# How an element scrolls sideways inside its parent: the parent's
# overflow-x, the widths, and whether setting scrollLeft moved it.
INNER_SCROLL_SCRIPT = """element => {
    const container = element.parentElement;
    const style = getComputedStyle(container);
    container.scrollLeft = 0;
    container.scrollLeft = 80;
    const moved = container.scrollLeft > 0;
    container.scrollLeft = 0;
    return {
        overflowX: style.overflowX,
        contentWidth: element.scrollWidth,
        containerWidth: container.clientWidth,
        moved: moved,
    };
}"""


def page_overflow(page) -> dict[str, int]:
    """Return how many pixels the document and the body are wider than the viewport."""
    return page.evaluate(PAGE_OVERFLOW_SCRIPT)


def inner_scroll(locator) -> dict:
    """Return how the located element scrolls sideways inside its parent."""
    return locator.evaluate(INNER_SCROLL_SCRIPT)
