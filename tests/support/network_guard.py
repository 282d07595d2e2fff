"""Block every network connection that leaves the loopback interface.

Tests must never reach api.twilio.com or any other outside host. Call
``install_network_guard()`` from the top-level conftest so that a code path
that forgot to point at the Twilio double fails at once with
BlockedConnectionError instead of sending traffic. Loopback addresses
(127.0.0.0/8, ::1) and the name ``localhost`` stay reachable, and so do Unix
sockets.

The guard wraps the Python socket API: ``socket.getaddrinfo``,
``gethostbyname``, ``gethostbyname_ex``, ``create_connection`` and
``socket.socket.connect``/``connect_ex``. Host names are checked before any
DNS lookup. C libraries that open their own sockets, such as libpq under
psycopg, are not covered.

For a Python subprocess, such as the app under gunicorn, pass its environment
through ``guarded_subprocess_env()``: a generated ``sitecustomize`` module then
installs the same guard when the interpreter starts.
"""

from __future__ import annotations

import atexit
import functools
import ipaddress
import logging
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# Attribute set on every wrapper, so any copy of this module can see the guard.
GUARD_MARKER = "_loopback_network_guard"


class BlockedConnectionError(RuntimeError):
    """A test tried to reach a host outside the loopback interface.

    This is a RuntimeError rather than an OSError, so HTTP clients that retry
    or wrap OSError (urllib3, requests) let it through unchanged.
    """


_lock = threading.Lock()
_blocked: list[str] = []
# (owner, attribute name) -> the function the guard replaced.
_originals: dict[tuple[Any, str], Callable[..., Any]] = {}
# Attributes that were set on the owner itself rather than inherited.
_own_attributes: set[tuple[Any, str]] = set()
_sitecustomize_dir: Path | None = None


def is_loopback_host(host: object) -> bool:
    """Return whether ``host`` names this machine's loopback interface.

    None and "" count as loopback, because getaddrinfo and connect read them
    as the local host.
    """
    if host is None:
        return True
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip().strip("[]").lower()
    if name in ("", "localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def blocked_attempts() -> list[str]:
    """Return a description of every connection blocked in this process."""
    with _lock:
        return list(_blocked)


def is_network_guard_installed() -> bool:
    """Return whether the guard wraps ``socket.getaddrinfo`` in this process."""
    return getattr(socket.getaddrinfo, GUARD_MARKER, False)


def _block(host: object, port: object) -> BlockedConnectionError:
    target = f"{host!r} port {port}"
    with _lock:
        _blocked.append(target)
    logger.error("Network guard blocked a connection to %s", target)
    return BlockedConnectionError(
        f"Network guard blocked a connection to {target}: tests may reach only "
        "127.0.0.1, ::1 or localhost. Point the code under test at a local "
        "double, for Twilio the TwilioDouble URL as the Twilio API URL."
    )


def _guarded_getaddrinfo(host, port, *args, **kwargs):
    if not is_loopback_host(host):
        raise _block(host, port)
    return _originals[(socket, "getaddrinfo")](host, port, *args, **kwargs)


def _guarded_gethostbyname(hostname):
    if not is_loopback_host(hostname):
        raise _block(hostname, None)
    return _originals[(socket, "gethostbyname")](hostname)


def _guarded_gethostbyname_ex(hostname):
    if not is_loopback_host(hostname):
        raise _block(hostname, None)
    return _originals[(socket, "gethostbyname_ex")](hostname)


def _guarded_create_connection(address, *args, **kwargs):
    host, port = address[0], address[1]
    if not is_loopback_host(host):
        raise _block(host, port)
    return _originals[(socket, "create_connection")](address, *args, **kwargs)


def _check_socket_address(sock: socket.socket, address: Any) -> None:
    # Unix, netlink and other non-IP families never leave the machine.
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    host, port = address[0], address[1]
    if not is_loopback_host(host):
        raise _block(host, port)


def _guarded_connect(self, address):
    _check_socket_address(self, address)
    return _originals[(socket.socket, "connect")](self, address)


def _guarded_connect_ex(self, address):
    _check_socket_address(self, address)
    return _originals[(socket.socket, "connect_ex")](self, address)


_WRAPPERS: tuple[tuple[Any, str, Callable[..., Any]], ...] = (
    (socket, "getaddrinfo", _guarded_getaddrinfo),
    (socket, "gethostbyname", _guarded_gethostbyname),
    (socket, "gethostbyname_ex", _guarded_gethostbyname_ex),
    (socket, "create_connection", _guarded_create_connection),
    (socket.socket, "connect", _guarded_connect),
    (socket.socket, "connect_ex", _guarded_connect_ex),
)


def install_network_guard() -> None:
    """Make connections to non-loopback hosts raise BlockedConnectionError.

    Calling it again while the guard is installed does nothing.
    """
    with _lock:
        if is_network_guard_installed():
            return
        for owner, name, guarded in _WRAPPERS:
            original = getattr(owner, name)
            if name in vars(owner):
                _own_attributes.add((owner, name))
            _originals[(owner, name)] = original
            wrapper = functools.wraps(original)(guarded)
            setattr(wrapper, GUARD_MARKER, True)
            setattr(owner, name, wrapper)
    logger.info("Network guard installed: only loopback hosts are reachable")


def uninstall_network_guard() -> None:
    """Restore the socket functions that ``install_network_guard`` replaced."""
    with _lock:
        if not _originals:
            return
        for owner, name, _ in _WRAPPERS:
            if (owner, name) in _own_attributes:
                setattr(owner, name, _originals[(owner, name)])
            else:
                delattr(owner, name)
        _originals.clear()
        _own_attributes.clear()
    logger.info("Network guard removed")


@contextmanager
def network_guard() -> Iterator[None]:
    """Install the guard for a block, and remove it after unless it was already on."""
    was_installed = is_network_guard_installed()
    install_network_guard()
    try:
        yield
    finally:
        if not was_installed:
            uninstall_network_guard()


_SITECUSTOMIZE = '''\
"""Install the loopback network guard when this interpreter starts."""

import importlib.util
import sys

_spec = importlib.util.spec_from_file_location("_loopback_network_guard", {path!r})
_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _module
_spec.loader.exec_module(_module)
_module.install_network_guard()
'''


def guarded_subprocess_env(env: Mapping[str, str]) -> dict[str, str]:
    """Return a copy of ``env`` whose Python processes start with the guard.

    The generated ``sitecustomize`` directory goes first on PYTHONPATH. It
    replaces any other ``sitecustomize`` module for that process.
    """
    directory = _write_sitecustomize()
    guarded = dict(env)
    existing = guarded.get("PYTHONPATH")
    guarded["PYTHONPATH"] = (
        f"{directory}{os.pathsep}{existing}" if existing else str(directory)
    )
    return guarded


def _write_sitecustomize() -> Path:
    global _sitecustomize_dir
    with _lock:
        if _sitecustomize_dir is None:
            directory = Path(tempfile.mkdtemp(prefix="network-guard-"))
            source = _SITECUSTOMIZE.format(path=str(Path(__file__).resolve()))
            (directory / "sitecustomize.py").write_text(source, encoding="utf-8")
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            _sitecustomize_dir = directory
        return _sitecustomize_dir
