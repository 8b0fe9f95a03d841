"""The administrator PIN that lets staff leave the kiosk, kept as a salted hash.

``scrypt`` (standard library) with a random 16-byte salt and the cost of current guidance
(N = 2**17, r = 8, p = 1: 128 MiB and about half a second a try), so that a copied store gives
up a PIN only slowly; a new PIN has at least six digits. A hash carries its own parameters,
so a PIN set under the older rules (N = 2**14, four digits allowed) still opens the kiosk, but
:func:`needs_change` tells staff to set a new one. Comparison is constant-time.

Wrong PINs lock the staff screen for a time that grows (:func:`lock_seconds`); the count is
kept in the store, so restarting the kiosk does not reset it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets

from orthofit.errors import OrthofitError

#: scrypt cost (n, r, p) for new PINs.
SCRYPT = (2**17, 8, 1)
#: The most a stored hash may ask for (a damaged or forged hash must not exhaust the memory).
MAX_N, MAX_R, MAX_P = 2**20, 16, 4
MIN_DIGITS, MAX_DIGITS = 6, 12
#: Wrong PINs in a row before the staff screen locks; the first lock, and the longest (s).
PIN_TRIES, FIRST_LOCK_S, MAX_LOCK_S = 5, 60.0, 3600.0
#: The message for staff when the stored PIN was made under the older, weaker rules.
CHANGE_ADVICE = ("the kiosk PIN was set under older, weaker rules (4 digits allowed, a cheaper "
                 f"hash): set a new PIN of at least {MIN_DIGITS} digits in the desktop's "
                 "Settings or with 'orthofit kiosk --set-pin'")


@dataclasses.dataclass(frozen=True)
class PinCheck:
    """The answer to a typed PIN: right or not, and how long the screen is locked (s)."""

    ok: bool
    locked_s: float = 0.0
    failures: int = 0


def check_pin_format(pin: str) -> str:
    """The PIN if it is 6 to 12 digits, else an OrthofitError saying so."""
    pin = pin.strip()
    if not (pin.isdigit() and pin.isascii() and MIN_DIGITS <= len(pin) <= MAX_DIGITS):
        raise OrthofitError(f"the kiosk PIN must be {MIN_DIGITS} to {MAX_DIGITS} digits")
    return pin


def _maxmem(n: int, r: int, p: int) -> int:
    # What OpenSSL allocates (128 r (n + 2) + 128 r p bytes), and a little room.
    return 128 * r * (n + p + 2) + (1 << 20)


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (hex) for a PIN of 6 to 12 digits."""
    pin = check_pin_format(pin)
    salt = salt if salt is not None else secrets.token_bytes(16)
    n, r, p = SCRYPT
    digest = hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=32,
                            maxmem=_maxmem(n, r, p))
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def _parameters(stored: str) -> tuple[int, int, int, bytes, str] | None:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        n, r, p = int(n), int(r), int(p)
        raw_salt = bytes.fromhex(salt)
    except ValueError:
        return None
    if kind != "scrypt" or not (2 <= n <= MAX_N and n & (n - 1) == 0 and 1 <= r <= MAX_R
                                and 1 <= p <= MAX_P and len(digest) >= 32):
        return None
    return n, r, p, raw_salt, digest


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches a hash made by :func:`hash_pin` (False for anything malformed).

    A hash made under the older rules (a cheaper scrypt, a 4-digit PIN) still verifies.

    Examples
    --------
    >>> verify_pin("246810", hash_pin("246810")), verify_pin("135791", hash_pin("246810"))
    (True, False)
    """
    params = _parameters(stored)
    if params is None:
        return False
    n, r, p, salt, digest = params
    try:
        got = hashlib.scrypt(pin.strip().encode("ascii"), salt=salt, n=n, r=r, p=p,
                             dklen=len(digest) // 2, maxmem=_maxmem(n, r, p))
    except (ValueError, UnicodeEncodeError, MemoryError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def needs_change(stored: str) -> bool:
    """Whether a stored PIN was set under older, weaker rules and should be set again.

    Such a hash costs less than :data:`SCRYPT` to try, and its PIN may have only 4 digits.
    """
    params = _parameters(stored)
    if params is None:
        return bool(stored)
    n, r, _p, _salt, _digest = params
    return n < SCRYPT[0] or r < SCRYPT[1]


def lock_seconds(failures: int) -> float:
    """How long the PIN is refused after ``failures`` wrong ones in a row.

    One minute after the fifth, doubling with each further one, at most an hour.

    Examples
    --------
    >>> [lock_seconds(n) for n in (4, 5, 6, 7, 12)]
    [0.0, 60.0, 120.0, 240.0, 3600.0]
    """
    if failures < PIN_TRIES:
        return 0.0
    return min(FIRST_LOCK_S * 2.0 ** (failures - PIN_TRIES), MAX_LOCK_S)
