"""Fast parsing of numbers in text, vectorised with numpy.

Vendor exports are megabytes of small decimal numbers separated by commas, tabs or spaces.
``numpy.fromstring`` and ``float()`` per token manage about 10 MB/s; this parser works on the
bytes as arrays (digit values, their place in the token, the decimal point, the sign), a few
passes with no Python loop, and reaches several times that.
"""

from __future__ import annotations

import numpy as np

_SEPARATORS = (ord(","), ord("\t"), ord(" "), ord("\n"), ord(";"))
_DIGIT0, _DOT, _MINUS, _CR = ord("0"), ord("."), ord("-"), ord("\r")
_IS_SEP = np.zeros(256, bool)
_IS_SEP[list(_SEPARATORS)] = True
_IS_DIGIT = np.zeros(256, bool)
_IS_DIGIT[_DIGIT0:_DIGIT0 + 10] = True
_POW10 = 10.0 ** np.arange(-30, 31)  # looked up, not computed per digit


class NumberTextError(ValueError):
    """A token is not a plain decimal number; ``offset`` is its byte position in the text."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def parse_numbers(text: bytes, *, nan_token: bytes | None = None) -> np.ndarray:
    r"""All decimal numbers in ``text`` (separated by commas, tabs, spaces, semicolons, newlines).

    Parameters
    ----------
    text : bytes
        Plain decimal numbers (optional minus sign and decimal point, no exponents).
    nan_token : bytes, optional
        A single-character token that stands for "no value" (Tekscan's ``B``): returned as NaN.

    Raises
    ------
    NumberTextError
        With the byte offset of the first token that is not a number.

    Examples
    --------
    >>> parse_numbers(b"1,22.5\t-3\n\n0.125,B", nan_token=b"B").tolist()
    [1.0, 22.5, -3.0, 0.125, nan]
    """
    a = np.frombuffer(text, dtype=np.uint8)
    keep = a != _CR
    a = a[keep]
    offsets = np.flatnonzero(keep)
    nan_code = nan_token[0] if nan_token else None
    is_sep = _IS_SEP[a]
    # A token starts where a non-separator follows a separator (or the text starts).
    body = ~is_sep
    start = body & np.concatenate([[True], is_sep[:-1]])
    token = np.cumsum(start) - 1  # token index of every byte (meaningful on body bytes)
    n_tokens = int(start.sum())
    if n_tokens == 0:
        return np.zeros(0)
    ch = a[body]
    tid = token[body]
    starts = np.flatnonzero(start)
    pos = np.flatnonzero(body)
    rank = pos - starts[tid]  # place of the byte within its token
    digit = _IS_DIGIT[ch]
    dot = ch == _DOT
    minus = (ch == _MINUS) & (rank == 0)
    nan = (ch == nan_code) if nan_code is not None else np.zeros(ch.size, bool)
    length = np.bincount(tid, minlength=n_tokens)
    dots = np.bincount(tid[dot], minlength=n_tokens)
    # A token is one number: at most one decimal point, and the no-value mark stands alone.
    bad = ~(digit | dot | minus | nan) | (dots[tid] > 1) | (nan & (length[tid] > 1))

    def not_a_number(t: int) -> NumberTextError:
        end = int(starts[t + 1]) if t + 1 < n_tokens else a.size
        word = bytes(a[starts[t]:end])
        cut = next((k for k, c in enumerate(word) if _IS_SEP[c]), len(word))
        return NumberTextError(f"{word[:cut][:40].decode('latin-1')!r} is not a number",
                               int(offsets[starts[t]]))

    if bad.any():
        raise not_a_number(int(tid[int(np.flatnonzero(bad)[0])]))
    dot_rank = length.copy()
    dot_rank[tid[dot]] = rank[dot]
    sign_shift = np.zeros(n_tokens, np.int64)
    sign_shift[tid[minus]] = 1
    # Exponent of each digit: its distance from the decimal point (integer digits >= 0).
    d_rank = rank[digit]
    d_tid = tid[digit]
    d_dot = dot_rank[d_tid]
    exponent = np.where(d_rank < d_dot, d_dot - d_rank - 1, d_dot - d_rank)
    if exponent.size and exponent.max() > 30:
        # More than 31 integer digits: no instrument writes that; the text is damaged.
        t = int(d_tid[int(np.argmax(exponent))])
        raise NumberTextError("a number of more than 31 digits", int(offsets[starts[t]]))
    # Digits past the 30th decimal place weigh less than 1e-30: dropped, not wrapped around.
    weight = np.where(exponent >= -30, _POW10[np.clip(exponent, -30, 30) + 30], 0.0)
    values = np.bincount(d_tid, weights=(ch[digit] - _DIGIT0) * weight,
                         minlength=n_tokens).astype(np.float64)
    values[sign_shift == 1] *= -1
    if nan.any():
        values[tid[nan]] = np.nan
    empty = np.bincount(d_tid, minlength=n_tokens) == 0
    empty[tid[nan]] = False
    if empty.any():
        raise not_a_number(int(np.flatnonzero(empty)[0]))
    return values


def line_of(text: bytes, offset: int) -> int:
    """1-based line number of a byte offset."""
    return text.count(b"\n", 0, offset) + 1
