"""Firm states and causes of lost output.

State lives in numpy arrays indexed by firm number (see `world.World`); this
module holds the enums and names that give those integers their meaning.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class FirmState(IntEnum):
    """Where a firm is in the reopening life cycle."""

    CLOSED = 0
    """Shut and not yet allowed to start reopening (zone level, no white list)."""
    PREPARING = 1
    """Allowed; preparing its application (epidemic-prevention set-up, documents)."""
    QUEUED = 2
    """Application filed, waiting for a service team."""
    REVIEWING = 3
    """A service team is on site."""
    RECTIFYING = 4
    """Failed review; rectifying before it re-applies."""
    OPEN = 5
    """Reopened: ramping up or operating."""
    SUSPENDED = 6
    """Shut after a positive case."""
    FAILED = 7
    """Ran out of cash; closed for good."""


STATE_NAMES = tuple(s.name.lower() for s in FirmState)

CAUSE_DOCS = {
    "not_allowed": "closed or halted: the zone's level does not allow the firm to operate "
    "(beyond the share a continuity rule keeps running)",
    "preparing": "allowed, but still preparing its application",
    "awaiting_review": "queued for a service team, under review or rectifying",
    "suspended": "shut (or partly shut, closed-loop) after a positive case",
    "failed": "out of business (cash ran out)",
    "labour": "too few staff on post",
    "ramp_up": "reopened, not yet at full speed",
    "control_cap": "the zone's output ceiling",
    "logistics": "an input is short while its goods wait for a pass, a station to open, "
    "or in a transfer station",
    "output_full": "the finished-goods store is full: outbound trucks are blocked",
}
"""What each cause of lost output that is not a missing input means."""

BASE_CAUSES = tuple(CAUSE_DOCS)
"""Causes of lost output that are not a missing input, in reporting order. Missing
inputs (their suppliers have not shipped) follow as `input:<good>`, then the causes
of any other mechanism (`world.Causes`)."""

(
    C_NOT_ALLOWED,
    C_PREPARING,
    C_AWAITING,
    C_SUSPENDED,
    C_FAILED,
    C_LABOUR,
    C_RAMP,
    C_CAP,
    C_LOGISTICS,
    C_OUTPUT_FULL,
) = range(len(BASE_CAUSES))

STATE_CAUSE = np.array(
    [
        C_NOT_ALLOWED,
        C_PREPARING,
        C_AWAITING,
        C_AWAITING,
        C_AWAITING,
        C_NOT_ALLOWED,
        C_SUSPENDED,
        C_FAILED,
    ],
    dtype=np.int16,
)
"""Cause of a firm's whole loss when it is not operating, by FirmState."""
