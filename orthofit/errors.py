"""Errors orthofit reports to people: each message says what is wrong and what to do."""

from __future__ import annotations

from pathlib import Path


class OrthofitError(Exception):
    """Base class of errors whose message is meant for the user (no traceback needed)."""


class ScanFileError(OrthofitError):
    """A scan file cannot be read: missing, truncated, corrupted or of an unknown kind.

    Parameters
    ----------
    path : str or Path
        The file concerned; named first in the message.
    problem : str
        What is wrong with it.
    advice : str, optional
        What the user can do about it.
    line : int, optional
        1-based line number in a text file where the problem was found.
    """

    def __init__(
        self, path: str | Path, problem: str, advice: str = "", *, line: int | None = None
    ):
        self.path = str(path)
        self.problem = problem
        self.advice = advice
        self.line = line
        where = f"{self.path}, line {line}" if line is not None else self.path
        message = f"{where}: {problem}"
        if advice:
            message += f". {advice}"
        super().__init__(message)


class ProfileError(OrthofitError):
    """A profile (mat, thresholds, insole rules) is missing or does not describe what it must."""
