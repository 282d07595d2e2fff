"""Recognise what an official wants from a free-form message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.parsing import edit_distance, normalise


class Intent(StrEnum):
    HELP = "help"
    MENU = "menu"
    GREETING = "greeting"
    THANKS = "thanks"
    REPORT = "report"
    RESUME = "resume"
    STATUS = "status"
    MISSING = "missing"
    DEADLINE = "deadline"
    CANCEL = "cancel"
    SKIP = "skip"
    BACK = "back"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Recognised:
    intent: Intent
    # The message without the command word, for `status dinkes` and the like.
    rest: str = ""
    # Set when the command word was a typo: the word the official likely meant.
    suggestion: str | None = None


COMMAND_WORDS = {
    Intent.REPORT: ("lapor", "laporan", "report", "isi"),
    Intent.RESUME: ("lanjut", "lanjutkan", "resume", "continue"),
    Intent.STATUS: ("status", "cek", "rekap"),
    Intent.MISSING: ("belum", "blm", "missing"),
    Intent.HELP: ("bantuan", "help", "tolong", "panduan", "?"),
    Intent.MENU: ("menu",),
    Intent.CANCEL: ("batal", "batalkan", "cancel", "stop"),
    Intent.SKIP: ("lewati", "lewat", "lwt", "skip"),
    Intent.BACK: ("kembali", "back", "balik", "sebelumnya"),
    Intent.DEADLINE: ("batas", "deadline", "tenggat"),
}
# Typos are only guessed for these; `isi` or `cek` are too short to guess.
TYPO_CANDIDATES = ("lapor", "status", "bantuan", "lanjut", "belum")

GREETINGS = re.compile(
    r"^(assalamu|asalamu|salam|selamat (pagi|siang|sore|malam)|pagi|siang|sore|"
    r"malam|halo|hallo|hai|hi|hello|permisi|p\b|om swastiastu|shalom)"
)
THANKS = re.compile(
    r"^(terima ?kasih|trima ?kasih|makasih|makasi|mksh|mks|tq|thanks?|thx|"
    r"trims|mokaseh|suwun|nuhun)\b"
)
HELP_PHRASES = re.compile(r"\b(cara (lapor|isi|pakai)|gimana|gmn|bagaimana)\b")
MISSING_PHRASES = re.compile(
    r"\b(siapa|yg|yang|opd)\b.*\b(belum|blm|blum)\b.*\blapor|"
    r"\b(belum|blm|blum) lapor|\bnot reported\b"
)
DEADLINE_PHRASES = re.compile(r"\b(batas|deadline|tenggat|kapan|kpn)\b")
_WORD = re.compile(r"[\w?]+")


def recognise(text: str) -> Recognised:
    """Classify a message that arrives outside any question."""
    norm = normalise(text)
    words = _WORD.findall(norm)
    if not words:
        return Recognised(Intent.UNKNOWN)
    first, rest = words[0], " ".join(words[1:])

    if norm in ("?", "??") or HELP_PHRASES.search(norm):
        return Recognised(Intent.HELP, rest)
    if MISSING_PHRASES.search(norm):
        return Recognised(Intent.MISSING, norm)
    for intent, commands in COMMAND_WORDS.items():
        if first in commands:
            return Recognised(intent, rest)
    if DEADLINE_PHRASES.search(norm):
        return Recognised(Intent.DEADLINE, norm)
    if THANKS.search(norm):
        return Recognised(Intent.THANKS)
    for word in words[1:]:
        if word in COMMAND_WORDS[Intent.REPORT] and word != "isi":
            return Recognised(Intent.REPORT, "")
        if word in COMMAND_WORDS[Intent.STATUS] and word != "cek":
            return Recognised(Intent.STATUS, "")
    if GREETINGS.search(norm):
        return Recognised(Intent.GREETING, norm)
    if len(first) >= 4:
        for command in TYPO_CANDIDATES:
            if edit_distance(first, command) == 1:
                return Recognised(Intent.UNKNOWN, rest, suggestion=command)
    return Recognised(Intent.UNKNOWN, norm)


def step_command(text: str) -> Intent | None:
    """Recognise a command typed in answer to a question, or return None.

    Only the first word counts, so `batal aja dulu pak` cancels while an
    answer such as `masih proses tender` is left to the question.
    """
    words = _WORD.findall(normalise(text))
    if not words:
        return None
    first = words[0]
    if first in ("eh", "oh", "maaf", "sorry", "mohon") and len(words) > 1:
        first = words[1]
    if first in ("gak", "ga", "nggak", "tidak") and words[1:2] == ["jadi"]:
        return Intent.CANCEL
    if first == "nanti" and words[1:2] in (["aja"], ["saja"], ["dulu"]):
        return Intent.SKIP
    for intent in (Intent.CANCEL, Intent.SKIP, Intent.BACK, Intent.HELP, Intent.MENU):
        if first in COMMAND_WORDS[intent]:
            return intent
    return None
