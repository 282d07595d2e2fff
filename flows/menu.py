"""The numbered menu, help, and "did you mean" for mistyped commands."""

from __future__ import annotations

from enum import StrEnum

from bot.parsing import normalise, parse_yes_no
from flows.context import Context

FLOW = "menu"


class State(StrEnum):
    CHOOSE = "choose"
    CONFIRM_COMMAND = "confirm_command"


# Menu numbers and the command each one runs, by the official's role.
OPERATOR_MENU = {1: "lapor bulanan", 2: "lapor triwulan", 3: "status", 4: "bantuan"}
SUPERVISOR_MENU = {1: "status", 2: "belum", 3: "batas", 4: "bantuan"}


def greeting_reply(ctx: Context, text: str) -> str:
    norm = normalise(text)
    if norm.startswith(("assalamu", "asalamu")):
        return ctx.text("greeting.salam", name=ctx.official.name)
    for part in ("pagi", "siang", "sore", "malam"):
        if part in norm.split()[:2] or f"selamat {part}" in norm:
            return ctx.text(f"greeting.{part}", name=ctx.official.name)
    return ctx.text("greeting.hello", name=ctx.official.name)


def show_menu(ctx: Context, greeting: str | None = None) -> str:
    agency = f" ({ctx.agency.short_name})" if ctx.agency else ""
    if greeting:
        ctx.replies.append(greeting + agency)
    key = "menu.operator" if not ctx.is_supervisor else "menu.supervisor"
    ctx.start(FLOW, State.CHOOSE)
    ctx.say(key)
    return State.CHOOSE


def choose(ctx: Context, text: str) -> str | None:
    from flows.router import dispatch

    commands = SUPERVISOR_MENU if ctx.is_supervisor else OPERATOR_MENU
    stripped = text.strip().rstrip(".")
    if stripped.isdigit() and int(stripped) in commands:
        ctx.finish()
        return dispatch(ctx, commands[int(stripped)])
    ctx.finish()
    return dispatch(ctx, text)


def suggest(ctx: Context, command: str, shown: str) -> str:
    ctx.start(FLOW, State.CONFIRM_COMMAND, {"command": command})
    ctx.say("menu.did_you_mean", command=shown)
    return State.CONFIRM_COMMAND


def confirm_command(ctx: Context, text: str) -> str | None:
    from flows.router import dispatch

    decision = parse_yes_no(text)
    command = ctx.data.get("command", "")
    ctx.finish()
    if decision:
        return dispatch(ctx, command)
    if decision is None:
        return dispatch(ctx, text)
    return show_menu(ctx)


STEPS = {State.CHOOSE: choose, State.CONFIRM_COMMAND: confirm_command}
