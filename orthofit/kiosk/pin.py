"""The administrator PIN that lets staff leave the kiosk, kept as a salted hash.

``scrypt`` (standard library) with a random 16-byte salt: the store never holds the PIN, and a
copied store does not give it away cheaply. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from orthofit.errors import OrthofitError

#: scrypt cost (n, r, p): about 50 ms per check on a small PC, slow enough for guessing.
SCRYPT = (2**14, 8, 1)
MIN_DIGITS, MAX_DIGITS = 4, 12


def check_pin_format(pin: str) -> str:
    """The PIN if it is 4 to 12 digits, else an OrthofitError saying so."""
    pin = pin.strip()
    if not (pin.isdigit() and pin.isascii() and MIN_DIGITS <= len(pin) <= MAX_DIGITS):
        raise OrthofitError(f"the kiosk PIN must be {MIN_DIGITS} to {MAX_DIGITS} digits")
    return pin


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (hex) for a PIN of 4 to 12 digits."""
    pin = check_pin_format(pin)
    salt = salt if salt is not None else secrets.token_bytes(16)
    n, r, p = SCRYPT
    digest = hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches a hash made by :func:`hash_pin` (False for anything malformed).

    Examples
    --------
    >>> verify_pin("2468", hash_pin("2468")), verify_pin("1357", hash_pin("2468"))
    (True, False)
    """
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(pin.strip().encode("ascii"), salt=bytes.fromhex(salt), n=int(n),
                             r=int(r), p=int(p), dklen=len(digest) // 2)
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(got.hex(), digest)
