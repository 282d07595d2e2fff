"""Look up user-facing texts and format dates, numbers and periods."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date

from bot.catalogue import en, id as id_
from models import Period, Periodicity

CATALOGUES = {"id": id_.TEXTS, "en": en.TEXTS}
DEFAULT_LANGUAGE = "id"
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
# WhatsApp's *bold*, _italic_ and ~strike~ around a word or phrase.
_WHATSAPP_MARKUP = re.compile(r"(?<![\w*_~])([*_~])(?=\S)(.+?)(?<=\S)\1(?![\w*_~])")


def language(code: str | None) -> str:
    return code if code in CATALOGUES else DEFAULT_LANGUAGE


def t(lang: str, key: str, **values) -> str:
    """Return the text `key` in `lang`, with `values` filled in."""
    template = CATALOGUES[language(lang)][key]
    return template.format(**values) if values else template


def long_date(day: date, lang: str) -> str:
    """Format as `Jumat, 10 April 2026` or `Friday, 10 April 2026`."""
    return format_date(day, "EEEE, d MMMM y", locale=language(lang))


def short_datetime(moment, lang: str) -> str:
    """Format a local datetime as `06/04 09.18` the way WhatsApp shows time."""
    separator = "." if language(lang) == "id" else ":"
    return moment.strftime(f"%d/%m %H{separator}%M")


def period_label(period: Period, lang: str) -> str:
    """Name a period as officials say it: `Maret 2026`, `Triwulan I 2026`."""
    lang = language(lang)
    if period.periodicity == Periodicity.MONTHLY:
        return format_date(period.start, "LLLL y", locale=lang).capitalize()
    if period.periodicity == Periodicity.QUARTERLY:
        quarter = (period.start.month - 1) // 3 + 1
        return t(lang, "period.quarter", roman=ROMAN[quarter], year=period.start.year)
    return t(lang, "period.year", year=period.start.year)


def plain_text(text: str) -> str:
    """Drop WhatsApp's `*bold*`, `_italic_` and `~strike~` marks, for pages and files."""
    return _WHATSAPP_MARKUP.sub(r"\2", text)
