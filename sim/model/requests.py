"""What one mechanism asks of another: the typed requests on the World's board.

Each type is posted by the mechanisms that name it in `posts` and taken by the one
that names it in `takes`, at the hook given here. Requests carry arrays (one
request per kind per day), except a credit approval, which a service team gives
at the moment it finishes its review.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.mechanism import Request


@dataclass(frozen=True, slots=True)
class CreditApplication(Request):
    """Firms short of cash apply for a relief credit line, which a service team reviews
    like a reopening (Kunshan, undated: credit for firms in difficulty).

    Posted by finance at its close; taken by reopening at its close, into the review
    queue (so the day's recorded queue includes them)."""

    firms: np.ndarray
    """Applicants, in the order they applied."""
    review_days: np.ndarray
    """Days of review each application takes (drawn from finance's stream)."""


@dataclass(frozen=True, slots=True)
class CreditApproval(Request):
    """A service team approved a firm's credit line; the money is paid within budget.

    Posted by reopening's team when its review ends; taken by finance at its next
    close, before that day's cash step, in the order the reviews ended."""

    firm: int


@dataclass(frozen=True, slots=True)
class SourcesFailed(Request):
    """Firms went out of business today: they stop supplying their customers.

    Posted by finance at its close; taken by supply at its close."""

    firms: np.ndarray
    day: int


@dataclass(frozen=True, slots=True)
class Isolation(Request):
    """Close contacts of today's cases leave their posts for the isolation period.

    Posted by outbreaks at its close; taken by workforce at its close."""

    firms: np.ndarray
    counts: np.ndarray
    """Contacts to isolate at each firm (at most its staff on post)."""
    day: int


@dataclass(frozen=True, slots=True)
class LevelRaise(Request):
    """Cases in some zones reached the threshold: their control level is raised.

    Posted by outbreaks at its close; taken by controls at the next open."""

    regions: np.ndarray
    """Zones raised (a mask over `world.firms.region_ids`)."""
    level: str
    until: float
    """First day the raise no longer applies."""


@dataclass(frozen=True, slots=True)
class BlockedOrders(Request):
    """Open orders on controlled routes that may not ship today for want of a pass.

    Posted by supply at its close; taken by logistics at its close (routes ask for a
    pass; the goods count as held by logistics)."""

    backlog: np.ndarray
    """Goods per supply link (route) waiting for a pass."""
    day: int


@dataclass(frozen=True, slots=True)
class Shipments(Request):
    """Goods shipped today on controlled routes, to go as truck trips through a
    transfer station.

    Posted by supply at its close; taken by logistics at its close, which sends the
    trips off."""

    links: np.ndarray
    qty: np.ndarray
    """Goods per link (positive)."""
    day: int


@dataclass(frozen=True, slots=True)
class OutboundPass(Request):
    """Firms whose finished goods cannot leave (their zone controls freight) ask for
    an outbound pass.

    Posted by outbound at its open; taken by logistics at its next open, before it
    issues the day's passes."""

    firms: np.ndarray
    day: int
