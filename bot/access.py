"""Who may change the corpus: reading is open to all; writes need a key once others can connect.

Asking and reading documents never need a key. Adding or removing documents and starting
evaluation runs change what every session is quoted, or cost every session time, so they
are *writes*:

- served on the loopback address only (`make run`), writes are open: one person on their own
  machine;
- served where others can connect (any other address, a Unix socket, or on loopback behind a
  reverse proxy with `CITEBOT_REQUIRE_KEY=1`), a write needs one of the access keys named in
  `CITEBOT_ADMIN_KEY` (or Streamlit's secrets); with no key set, writes are off;
- `CITEBOT_READ_ONLY=1` (`python -m ui.serve --read-only`) turns writes off altogether.

Keys are compared in constant time, through their SHA-256 digests, and every key is compared
whichever matches, so the time taken says nothing of the keys.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from bot.errors import SettingsError

KEY_VARIABLE = "CITEBOT_ADMIN_KEY"
READ_ONLY_VARIABLE = "CITEBOT_READ_ONLY"
REQUIRE_KEY_VARIABLE = "CITEBOT_REQUIRE_KEY"
# The name recorded for a key given without one ("CITEBOT_ADMIN_KEY=secret").
DEFAULT_KEY_NAME = "admin"
# The name recorded for writes on a server only this machine can reach.
LOCAL_NAME = "local user"
MIN_KEY_LENGTH = 16
_TRUE = frozenset(["1", "true", "yes", "on"])


class Writes(Enum):
    """Whether this server accepts writes, and on what condition."""

    OPEN = "open"
    KEY = "key"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class Access:
    """The write rule of one server: open, by key, or off, and why in words for the page."""

    writes: Writes
    reason: str
    # (name, SHA-256 of the key); never the keys themselves.
    keys: tuple[tuple[str, bytes], ...] = ()

    def holder(self, given: str) -> str | None:
        """Return the name of the key given, or None when it is none of this server's keys."""
        if self.writes is not Writes.KEY or not given:
            return None
        digest = hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest()
        found = None
        for name, known in self.keys:
            if hmac.compare_digest(digest, known) and found is None:
                found = name
        return found


def is_loopback(address: str | None) -> bool:
    """Return whether a server listening on address can be reached from this machine only.

    No address means every interface (Streamlit's default); a Unix socket is taken as reached
    by others, since it is almost always a reverse proxy's.
    """
    if not address or address.startswith("unix://"):
        return False
    host = address.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_keys(text: str, source: str = KEY_VARIABLE) -> tuple[tuple[str, bytes], ...]:
    """Read keys written `key` or `name=key, name=key`, into (name, SHA-256 of key) pairs.

    Raises:
        SettingsError: a key is shorter than MIN_KEY_LENGTH, a name is empty or used twice.
    """
    pairs: list[tuple[str, str]] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, key = item.rpartition("=") if "=" in item else (DEFAULT_KEY_NAME, "", item)
        pairs.append((name.strip(), key.strip()))
    return _digests(pairs, source)


def _digests(pairs: Iterable[tuple[str, str]], source: str) -> tuple[tuple[str, bytes], ...]:
    keys: list[tuple[str, bytes]] = []
    for name, key in pairs:
        if not name:
            raise SettingsError(source, name, "a key's name is empty; write name=key")
        if len(key) < MIN_KEY_LENGTH:
            raise SettingsError(source, name, f"the key must be at least {MIN_KEY_LENGTH} characters long")
        if any(name == known for known, _ in keys):
            raise SettingsError(source, name, "two keys have this name, and names say who made a change")
        keys.append((name, hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()))
    return tuple(keys)


def decide(
    address: str | None,
    environ: Mapping[str, str],
    secret_keys: Mapping[str, str] | None = None,
) -> Access:
    """Return the write rule for a server listening on address, with these variables and keys.

    `secret_keys` are Streamlit's secrets `[admin_keys]` table (name = key), added to the keys
    of `CITEBOT_ADMIN_KEY`.

    Raises:
        SettingsError: a key is badly written (see `parse_keys`).
    """
    keys = parse_keys(environ.get(KEY_VARIABLE, ""))
    if secret_keys:
        keys += _digests(((str(n), str(k)) for n, k in secret_keys.items()), "secrets [admin_keys]")
    if environ.get(READ_ONLY_VARIABLE, "").strip().lower() in _TRUE:
        return Access(Writes.OFF, "this server is read-only")
    if is_loopback(address) and environ.get(REQUIRE_KEY_VARIABLE, "").strip().lower() not in _TRUE:
        return Access(Writes.OPEN, "this server can be reached from this machine only")
    if not keys:
        return Access(
            Writes.OFF,
            f"others can reach this server and no access key is set ({KEY_VARIABLE}), so documents "
            "cannot be changed from the browser",
        )
    return Access(Writes.KEY, "others can reach this server: changes need an access key", keys)
