"""One exception hierarchy for the whole package.

Every error raised on purpose by MedAgentGym derives from :class:`MedAgentGymError`, so callers
(and the CLI, which turns them into one-line messages) can catch exactly our errors and let real
bugs surface as tracebacks.
"""

from __future__ import annotations


class MedAgentGymError(Exception):
    """Base class of every deliberate MedAgentGym error."""


class ConfigError(MedAgentGymError, ValueError):
    """An option, flag or argument has an invalid value."""


class TaskNotFoundError(MedAgentGymError, KeyError):
    """A family, category, split or task id does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; we want plain words
        return str(self.args[0]) if self.args else "task not found"


class DataError(MedAgentGymError):
    """A data file, world or imported task set is missing or malformed."""


class GradingError(MedAgentGymError):
    """A grader could not be built or applied (not: the answer was wrong)."""


class SandboxError(MedAgentGymError):
    """The sandbox failed for reasons outside the agent's code (an infrastructure error)."""


class SandboxUnavailableError(SandboxError):
    """Isolation is not possible on this machine and no weaker mode was chosen."""


class ModelError(MedAgentGymError):
    """A model backend failed after its retries (an infrastructure error)."""


class EpisodeError(MedAgentGymError):
    """An environment was used out of order (for example ``step`` before ``reset``)."""
