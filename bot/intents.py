"""Recognise what an official wants from a free-form message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from bot.parsing import edit_distance, is_none_answer, normalise


class Intent(StrEnum):
    HELP = "help"
    MENU = "menu"
    GREETING = "greeting"
    THANKS = "thanks"
    REPORT = "report"
    RESUME = "resume"
    STATUS = "status"
    MISSING = "missing"
    LATE = "late"
    RECAP = "recap"
    RANKING = "ranking"
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
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    REMIND_MISSING = "remind_missing"
    DAILY_SUMMARY = "daily_summary"
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
    Intent.STATUS: ("status", "cek"),
    Intent.MISSING: ("belum", "blm", "missing"),
    Intent.LATE: ("telat", "terlambat", "late"),
    Intent.RECAP: ("rekap", "rekapitulasi", "recap"),
    Intent.RANKING: ("peringkat", "ranking", "rangking", "rank"),
    Intent.HELP: ("bantuan", "help", "tolong", "panduan", "?"),
    Intent.MENU: ("menu",),
    Intent.CANCEL: ("batal", "batalkan", "cancel", "stop", "berhenti"),
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
# Typos are only guessed for these. `isi` or `cek` are too short to guess, and
# `telat` is one letter away from the common word `telah`.
TYPO_CANDIDATES = (
    "lapor", "status", "bantuan", "lanjut", "belum", "rekap", "peringkat", "ranking",
)

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
# `yang telat bulan maret`, `siapa terlambat tw 1`: a question about late reports.
LATE_PHRASES = re.compile(
    r"\b(siapa|yg|yang|opd|mana)\b.*\b(telat|terlambat)\b|\blate\b.*\breport"
)
DEADLINE_PHRASES = re.compile(r"\b(batas|deadline|tenggat|kapan|kpn)\b")
_WORD = re.compile(r"[\w?]+")
# `berhenti` or `stop` from an idle official stops proactive messages; inside
# a question `stop` stays a cancel word (see `step_command`).
OPT_OUT_WORDS = ("berhenti", "stop", "unsubscribe")
OPT_IN_WORDS = ("mulai", "start")
# Words that may follow `mulai` without making it another request.
OPT_IN_FILLER = frozenset(
    "lagi kembali pengingat reminder pak bu ya dong aja saja again please".split()
)
REMIND_PHRASES = re.compile(
    r"^(?:(?:tolong|mohon|pak|bu|min) )*"
    r"(?:(?:kirim|kirimkan|kirimin|kirimi|kasih|send) (?:pengingat|reminder)"
    r"|ingatkan|ingatin|ingetin|remind)\b"
)
DAILY_SUMMARY_PHRASES = re.compile(
    r"^(?:ringkasan|rangkuman|rekap) harian\b|^daily summary\b"
)


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
    preference = _recognise_preference(norm, words, rest)
    if preference is not None:
        return preference
    if MISSING_PHRASES.search(norm):
        return Recognised(Intent.MISSING, norm)
    for intent, commands in COMMAND_WORDS.items():
        if first in commands:
            return Recognised(intent, rest)
    if LATE_PHRASES.search(norm):
        return Recognised(Intent.LATE, norm)
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
        for intent in (Intent.RECAP, Intent.RANKING):
            if match[0] in COMMAND_WORDS[intent] and match[0] != "rank":
                return Recognised(intent, after)
    if GREETINGS.search(norm):
        return Recognised(Intent.GREETING, norm)
    if len(first) >= 4:
        for command in TYPO_CANDIDATES:
            if edit_distance(first, command) == 1:
                return Recognised(Intent.UNKNOWN, rest, suggestion=command)
    return Recognised(Intent.UNKNOWN, norm)


def _recognise_preference(norm: str, words: list[str], rest: str) -> Recognised | None:
    """Recognise opt-out, opt-in, reminders on request and the daily summary."""
    if words[0] in OPT_OUT_WORDS:
        return Recognised(Intent.OPT_OUT, rest)
    if words[0] in OPT_IN_WORDS and all(w in OPT_IN_FILLER for w in words[1:]):
        return Recognised(Intent.OPT_IN)
    reminder = REMIND_PHRASES.search(norm)
    if reminder:
        return Recognised(Intent.REMIND_MISSING, norm[reminder.end() :].strip(" ,.:"))
    summary = DAILY_SUMMARY_PHRASES.search(norm)
    if summary:
        return Recognised(Intent.DAILY_SUMMARY, norm[summary.end() :].strip(" ,.:"))
    return None


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
    Intent.CORRECTIONS, Intent.RECAP, Intent.RANKING,
)
INTERRUPT_MAX_WORDS = 3
# Questions about reports that no number answer starts with. Where the
# answer is a number, such a message interrupts whatever its length, because
# the number in `rekap keu bln 3` or `telat maret 26` would otherwise be stored.
QUESTIONS_OF_ANY_LENGTH = (
    Intent.STATUS, Intent.MISSING, Intent.LATE, Intent.RECAP, Intent.RANKING,
)


def interrupting_command(text: str, numeric: bool = False) -> Intent | None:
    """Recognise a short command such as `lapor tw 1` typed at an open question.

    Only a message of at most three words whose first word is the command
    counts, so a free-text answer such as `status lahan belum jelas` stays
    an answer. With `numeric`, where the answer is a number or an edit such
    as `keu 20 M`, a longer question such as `peringkat realisasi bln 3`
    counts too.
    """
    words = _WORD.findall(normalise(text))
    if not words:
        return None
    if numeric:
        question = _question_at_number(text, words)
        if question is not None:
            return question
    if len(words) > INTERRUPT_MAX_WORDS:
        return None
    for intent in INTERRUPTING:
        commands = [c for c in COMMAND_WORDS[intent] if c not in ("isi", "cek", "?")]
        if words[0] in commands:
            return intent
    return None


def _question_at_number(text: str, words: list[str]) -> Intent | None:
    # `belum ada` means there is no value, so it stays an answer.
    if is_none_answer(text):
        return None
    norm = normalise(text)
    if MISSING_PHRASES.search(norm):
        return Intent.MISSING
    if LATE_PHRASES.search(norm):
        return Intent.LATE
    for intent in QUESTIONS_OF_ANY_LENGTH:
        if words[0] in COMMAND_WORDS[intent] and words[0] != "cek":
            return intent
    return None


# Snooze requests in reply to a reminder: `nanti sore`, `besok`, `kagek`,
# `1 jam lagi`, `nanti jam 3`. Palembang forms: `kagek` (nanti), `isuk` (besok).
SNOOZE_VAGUE = frozenset({"nanti", "ntar", "entar", "ntr", "kagek", "later"})
SNOOZE_SOON = frozenset({"sebentar", "bentar", "sebentaran", "soon"})
SNOOZE_TOMORROW = frozenset({"besok", "bsk", "besuk", "isuk", "tomorrow", "tmr"})
SNOOZE_DAY_AFTER = frozenset({"lusa"})
# Local times that the parts of the day stand for.
DAY_PARTS = {
    "pagi": time(8), "morning": time(8),
    "siang": time(13),
    "sore": time(16), "afternoon": time(16),
    "malam": time(19), "malem": time(19), "mlm": time(19),
    "evening": time(19), "tonight": time(19),
    "subuh": time(5),
}
# When each part of the day ends. A snooze to the part of the day already
# under way (`nanti malam` at 19.30) waits an hour, up to this time, instead
# of moving to the next day. Evening ends before the default quiet hours.
DAY_PART_ENDS = {
    time(8): time(11), time(13): time(15), time(16): time(18), time(19): time(20, 30),
}
# Parts of the day after which `jam 3` means 15:00.
AFTERNOON_PARTS = frozenset(
    {"sore", "afternoon", "malam", "malem", "mlm", "evening", "tonight"}
)
# A vague `nanti` or `kagek` postpones by this much; `sebentar` by the shorter one.
SNOOZE_VAGUE_DELAY = timedelta(hours=3)
SNOOZE_SOON_DELAY = timedelta(hours=1)
# A snooze to a whole day without a time (`besok`) ends at this local time.
SNOOZE_MORNING = time(8)
# Hours from 1 to 6 without a part of the day are read as afternoon hours,
# because a reminder at 3 in the night is not what an official requests.
_SMALL_HOURS = range(1, 7)

_GREETING_PART = re.compile(r"\bselamat (?:pagi|siang|sore|malam)\b")
_CLOCK = re.compile(
    r"\b(?:jam|pukul|pkl|pk|at)\s*(?P<hour>\d{1,2})(?:[.:](?P<minute>\d{2}))?\b"
    r"|\b(?P<hour2>\d{1,2})[.:](?P<minute2>\d{2})\b"
)
_AMOUNT_WORDS = {
    "se": 1, "satu": 1, "one": 1, "an": 1,
    "dua": 2, "duo": 2, "two": 2, "tiga": 3, "tigo": 3, "three": 3,
    "empat": 4, "four": 4, "lima": 5, "limo": 5, "five": 5,
}
_RELATIVE = re.compile(
    r"\b(?:(?P<amount>\d{1,3}|se|satu|dua|duo|tiga|tigo|empat|lima|limo|one|two|"
    r"three|four|five|an)\s*|(?P<half>setengah|half an)\s+)"
    r"(?P<unit>jam|menit|mnt|hours?|hrs?|minutes?|mins?)\b"
)
_RELATIVE_MARK = re.compile(r"\blagi\b|\bdalam\b|\bin\b")


def parse_snooze(text: str, now: datetime) -> datetime | None:
    """Read a request to be reminded later and return the time it names.

    Returns None when `text` is no such request. `now` is the local time of
    the message, and the result is in its time zone. `sore` is 16:00 today,
    or tomorrow once 16:00 has passed. `besok` is 08:00 tomorrow, and a bare
    `nanti` or `kagek` is three hours from now. `1 jam lagi` and `nanti jam 3`
    (15:00) are read as written. A part of the day alone (`sore`) is no
    request, because greetings use the same words.
    """
    norm = _GREETING_PART.sub(" ", normalise(text))
    tokens = set(re.findall(r"[^\W_]+", norm))
    start = now.replace(second=0, microsecond=0)

    day_offset = 0
    if tokens & SNOOZE_DAY_AFTER:
        day_offset = 2
    elif tokens & SNOOZE_TOMORROW:
        day_offset = 1
    part = next((w for w in re.findall(r"[^\W_]+", norm) if w in DAY_PARTS), None)
    clock = _clock(norm, part)
    if clock is None and _CLOCK.search(norm):
        # `jam 25` names no time of day, so the request is not understood.
        return None
    vague = bool(tokens & SNOOZE_VAGUE)
    soon = bool(tokens & SNOOZE_SOON)

    if clock is None and part is None and not day_offset:
        relative = _relative(norm)
        if relative is not None and (vague or _RELATIVE_MARK.search(norm)):
            return start + relative
        if soon:
            return start + SNOOZE_SOON_DELAY
        return start + SNOOZE_VAGUE_DELAY if vague else None
    if clock is None and not (vague or soon or day_offset or part == "tonight"):
        return None

    at = clock or (DAY_PARTS[part] if part else SNOOZE_MORNING)
    day = start.date() + timedelta(days=day_offset)
    target = start.replace(year=day.year, month=day.month, day=day.day,
                           hour=at.hour, minute=at.minute)
    if day_offset == 0 and target <= start:
        end = DAY_PART_ENDS.get(at) if clock is None else None
        if end is not None and start.time() < end:
            ends_at = start.replace(hour=end.hour, minute=end.minute)
            return min(start + SNOOZE_SOON_DELAY, ends_at)
        target += timedelta(days=1)
    return target


def _clock(norm: str, part: str | None) -> time | None:
    """Read `jam 3`, `pukul 15.30` or `16:00`, shifting afternoon hours by 12."""
    match = _CLOCK.search(norm)
    if match is None:
        return None
    hour = int(match["hour"] or match["hour2"])
    minute = int(match["minute"] or match["minute2"] or 0)
    if hour > 23 or minute > 59:
        return None
    small = hour in _SMALL_HOURS
    if hour < 12 and part in AFTERNOON_PARTS:
        hour += 12
    elif small and part in (None, "siang"):
        hour += 12
    return time(hour, minute)


def _relative(norm: str) -> timedelta | None:
    """Read `1 jam`, `setengah jam`, `30 menit` or `2 hours` as a duration."""
    match = _RELATIVE.search(norm)
    if match is None:
        return None
    if match["half"]:
        amount = 0.5
    else:
        word = match["amount"]
        amount = int(word) if word.isdigit() else _AMOUNT_WORDS[word]
    if amount <= 0:
        return None
    if match["unit"].startswith(("jam", "hour", "hr")):
        return timedelta(hours=amount)
    return timedelta(minutes=amount)
