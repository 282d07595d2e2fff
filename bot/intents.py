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
    FLAG = "flag"
    APPROVE = "approve"
    REJECT = "reject"
    VERIFY = "verify"
    UNLOCK = "unlock"
    CORRECTIONS = "corrections"
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
    Intent.FLAG: ("tandai", "flag"),
    Intent.APPROVE: ("setuju", "approve", "acc"),
    Intent.REJECT: ("tolak", "reject"),
    Intent.VERIFY: ("verifikasi", "verify"),
    Intent.UNLOCK: ("buka", "unlock"),
    Intent.CORRECTIONS: ("perbaikan", "koreksi", "corrections"),
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
    matches = list(_WORD.finditer(norm))
    if not matches:
        return Recognised(Intent.UNKNOWN)
    words = [match[0] for match in matches]
    # The rest keeps its punctuation, so that `lapor 2026-03` keeps its period.
    first, rest = words[0], norm[matches[0].end() :].strip(" ,.:")

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
    for match in matches[1:]:
        after = norm[match.end() :].strip(" ,.:")
        if match[0] in COMMAND_WORDS[Intent.REPORT] and match[0] != "isi":
            return Recognised(Intent.REPORT, after)
        if match[0] in COMMAND_WORDS[Intent.STATUS] and match[0] != "cek":
            return Recognised(Intent.STATUS, after)
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


# Commands that leave a question unanswered when typed as a short message.
# `belum` is left out because it is also an answer (Sudah/Belum).
INTERRUPTING = (
    Intent.REPORT, Intent.STATUS, Intent.RESUME, Intent.HELP, Intent.MENU,
    Intent.CORRECTIONS,
)
INTERRUPT_MAX_WORDS = 3


def interrupting_command(text: str) -> Intent | None:
    """Recognise a short command such as `lapor tw 1` typed at an open question.

    Only a message of at most three words whose first word is the command
    counts, so a free-text answer such as `status lahan belum jelas` stays
    an answer.
    """
    words = _WORD.findall(normalise(text))
    if not words or len(words) > INTERRUPT_MAX_WORDS:
        return None
    for intent in INTERRUPTING:
        commands = [c for c in COMMAND_WORDS[intent] if c not in ("isi", "cek", "?")]
        if words[0] in commands:
            return intent
    return None
