"""The package's exceptions and warnings: one flat hierarchy, documented once.

The web layer maps :class:`InputError` to HTTP 422 and the CLI to exit status 2;
both rely on the message naming the offending column, value or item, so every
raise site below the public functions must say *what* is wrong, not just that
something is.
"""

from __future__ import annotations

__all__ = [
    "AdjusterDroppedWarning",
    "AnalysisError",
    "AnalysisWarning",
    "InputError",
    "SingleLevelAdjusterWarning",
]


class AnalysisError(Exception):
    """Base class of every error raised by :mod:`analysis`."""


class InputError(AnalysisError, ValueError):
    """The data handed to the package cannot be analysed as given.

    Raised for a missing column, a non-numeric or infinite score, a score with
    no answers, fewer than two units, an unreadable or empty file, and
    adjusters that are collinear with the units. The message names the
    problem in one line (column, item or file).
    """


class AnalysisWarning(UserWarning):
    """Base class of every warning issued by :mod:`analysis`."""


class AdjusterDroppedWarning(AnalysisWarning):
    """An adjuster (or one of its levels) was left out of the model.

    Attributes
    ----------
    adjuster : str
        Name of the adjuster column.
    reason : str
        Machine-readable code: ``"single_level"`` or ``"no_within_unit_variation"``.
    """

    def __init__(self, message: str, adjuster: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.adjuster = adjuster
        self.reason = reason


class SingleLevelAdjusterWarning(AdjusterDroppedWarning):
    """An adjuster has a single observed level among the respondents, so it
    cannot adjust anything and is dropped from the model."""
