"""The text catalogues against each other and against the code that uses them."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

import flows
from bot.catalogue import en, id as id_
from flows.router import FLOWS

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "flows")
CATALOGUES = {"id": id_.TEXTS, "en": en.TEXTS}

# `ctx.say("key"`, `ctx.text("key"`, `t(lang, "key"` and `t("id", "key"`, also
# across lines. The second group is the other key of `ctx.say("a" if x else "b"`.
DIRECT_KEY = re.compile(
    r"""(?:\bctx\.say|\bctx\.text|(?<![\w.])t)\(\s*"""
    r"""(?:(?:[\w.]+|["'][a-z]{2}["'])\s*,\s*)?["']([^"'{}]+)["']"""
    r"""(?:\s+if\s+[^,()]+?\s+else\s+["']([^"'{}]+)["'])?"""
)
# Keys chosen in a variable first: `key = "a" if x else "b"`.
KEY_ASSIGNMENT = re.compile(r"""^\s*(?:key|timing)\s*=\s*(["'].+)$""", re.MULTILINE)
STRING_LITERAL = re.compile(r"""["']([a-z_][a-z_0-9.]*)["']""")


def source_files() -> list[Path]:
    files = []
    for directory in SOURCE_DIRS:
        files.extend(sorted((ROOT / directory).rglob("*.py")))
    return [path for path in files if "catalogue" not in path.parts]


def placeholders(template: str) -> set[str]:
    parsed = string.Formatter().parse(template)
    return {field for _, field, _, _ in parsed if field is not None}


def directly_used_keys() -> dict[str, list[str]]:
    """Return each literal key passed to ctx.say, ctx.text or t, with its places."""
    used: dict[str, list[str]] = {}
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        for match in DIRECT_KEY.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            place = f"{path.relative_to(ROOT)}:{line}"
            for key in filter(None, match.groups()):
                used.setdefault(key, []).append(place)
    return used


def assigned_keys() -> dict[str, list[str]]:
    """Return the literals assigned to `key` or `timing` before a lookup."""
    used: dict[str, list[str]] = {}
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        for match in KEY_ASSIGNMENT.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            for literal in STRING_LITERAL.findall(match.group(1)):
                used.setdefault(literal, []).append(f"{path.relative_to(ROOT)}:{line}")
    return used


def namespaced_literals() -> dict[str, list[str]]:
    """Return every literal such as "answer.malformed" in a catalogue namespace."""
    namespaces = {key.split(".")[0] for key in id_.TEXTS if "." in key}
    pattern = re.compile(r"""["']((?:%s)\.[a-z_0-9.]+)["']""" % "|".join(namespaces))
    used: dict[str, list[str]] = {}
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            place = f"{path.relative_to(ROOT)}:{line}"
            used.setdefault(match.group(1), []).append(place)
    return used


# --- the two catalogues -----------------------------------------------------------


def test_catalogues_same_keys():
    assert sorted(set(id_.TEXTS) - set(en.TEXTS)) == []
    assert sorted(set(en.TEXTS) - set(id_.TEXTS)) == []


@pytest.mark.parametrize("key", sorted(id_.TEXTS))
def test_catalogues_same_placeholders(key):
    assert placeholders(id_.TEXTS[key]) == placeholders(en.TEXTS[key])


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_catalogue_texts_not_empty(lang):
    empty = [key for key, text in CATALOGUES[lang].items() if not text.strip()]
    assert empty == []


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_catalogue_placeholders_are_names(lang):
    # `t` formats with keyword arguments only, so `{0}` or `{}` cannot be filled.
    bad = {
        key: sorted(fields)
        for key, text in CATALOGUES[lang].items()
        if (fields := {f for f in placeholders(text) if not f.isidentifier()})
    }
    assert bad == {}


# --- keys used in the code ------------------------------------------------------------


def test_direct_keys_found():
    # A broken pattern would find no keys and let the tests below pass.
    places = [place for places in directly_used_keys().values() for place in places]
    assert len(set(directly_used_keys())) >= 30
    assert any(place.startswith("flows/") for place in places)
    assert any(place.startswith("bot/") for place in places)


def test_direct_keys_exist():
    used = directly_used_keys()
    missing = {key: places for key, places in used.items() if key not in id_.TEXTS}
    assert missing == {}


def test_assigned_keys_exist():
    used = assigned_keys()
    missing = {key: places for key, places in used.items() if key not in id_.TEXTS}
    assert "receipt.late" in used
    assert missing == {}


def test_namespaced_literals_exist():
    used = namespaced_literals()
    missing = {key: places for key, places in used.items() if key not in id_.TEXTS}
    assert "answer.not_integer" in used
    assert missing == {}


@pytest.mark.parametrize("part", ["pagi", "siang", "sore", "malam"])
def test_greeting_keys_exist(part):
    # flows.menu builds these keys with an f-string, which the patterns skip.
    assert f"greeting.{part}" in id_.TEXTS


def _literal_calls():
    """Yield (place, key, keyword names) for each literal-key catalogue call."""
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("say", "text"):
                key_arg = node.args[0] if node.args else None
            elif isinstance(func, ast.Name) and func.id == "t":
                key_arg = node.args[1] if len(node.args) > 1 else None
            else:
                continue
            if any(keyword.arg is None for keyword in node.keywords):
                continue
            names = {keyword.arg for keyword in node.keywords}
            place = f"{path.relative_to(ROOT)}:{node.lineno}"
            for key in _literal_keys(key_arg):
                yield place, key, names


def _literal_keys(node) -> list[str]:
    """Return the string constants a key argument can be, through `a if x else b`."""
    if isinstance(node, ast.IfExp):
        return _literal_keys(node.body) + _literal_keys(node.orelse)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    return []


def test_calls_fill_every_placeholder():
    calls = list(_literal_calls())
    unfilled = {
        place: sorted(placeholders(id_.TEXTS[key]) - names)
        for place, key, names in calls
        if key in id_.TEXTS and names and placeholders(id_.TEXTS[key]) - names
    }
    assert len(calls) >= 30
    assert unfilled == {}


def test_calls_pass_known_values():
    # A keyword the template does not name is ignored by str.format; it
    # usually means the call and the text went out of step.
    unknown = {
        place: sorted(names - placeholders(id_.TEXTS[key]))
        for place, key, names in _literal_calls()
        if key in id_.TEXTS and names - placeholders(id_.TEXTS[key])
    }
    assert unknown == {}


def test_calls_without_values_have_no_placeholders():
    # `t` formats only when values are given, so a bare call would show `{name}`.
    raw = {
        place: sorted(placeholders(id_.TEXTS[key]))
        for place, key, names in _literal_calls()
        if key in id_.TEXTS and not names and placeholders(id_.TEXTS[key])
    }
    assert raw == {}


# --- flows and their states -------------------------------------------------------


def flow_modules() -> dict[str, object]:
    """Return the modules of the flows package that declare a FLOW, by flow name."""
    modules = {}
    for info in pkgutil.iter_modules(flows.__path__):
        module = importlib.import_module(f"flows.{info.name}")
        if hasattr(module, "FLOW") and hasattr(module, "State"):
            modules[module.FLOW] = module
    return modules


def test_every_flow_module_routed():
    assert sorted(flow_modules()) == sorted(FLOWS)


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_flow_steps_cover_states(flow):
    states = {state.value for state in flow_modules()[flow].State}
    steps = set(FLOWS[flow])
    assert sorted(states - steps) == []
    assert sorted(steps - states) == []


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_flow_steps_callable(flow):
    assert all(callable(step) for step in FLOWS[flow].values())
