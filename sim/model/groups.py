"""The groups of firms planners ask about: each tag, each firm class, each park of a region,
and each white-list batch or approval rule ("how far is the first list?").

A firm belongs to the group of every tag it carries (a firm with two tags counts in
both), to the group of its class (if it has one), to the group of its park (only in a
scenario with `parks:`; a single park has no park group), and, from the day it is released,
to the group of the batch or rule that released it (`shared.released_by`; a firm
released by none, or open before any list, is in no batch group). Groups are named
`tag:<tag>`, `class:<class>`, `park:<park id>`, `batch:<white-list id>` and
`approval:<rule id>`.

Each day the recorder asks for every group's measures at once (`Groups.measures`):
one pass of `np.bincount` over a firm × group incidence built once (tags, classes)
and over today's batch of each firm, so the daily step stays vectorised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.state import FirmState

if TYPE_CHECKING:
    from sim.model.world import World

MEASURES = ("resumption", "resumed", "capacity", "workforce", "staff_on_post")
"""What is measured of each group each day, in the order of `Groups.measures`' columns:

- `resumption`: share of the group's firms operating today (the park's `resumption`);
- `resumed`: share of its firms that have resumed — reopened and not failed, whether or
  not they operate today (已复工; the park's `resumed`);
- `capacity`: the group's output as a share of its baseline;
- `workforce`: staff on post as a share of the group's headcount;
- `staff_on_post`: staff on post (people)."""

PARK_PREFIX = "park:"
"""Groups `park:<id>`: the firms of one park of a region (`Firms.park`)."""

_OPEN, _SUSPENDED = int(FirmState.OPEN), int(FirmState.SUSPENDED)


def has_resumed(state: np.ndarray) -> np.ndarray:
    """Firms that have resumed work (已复工): reopened at least once and not failed —
    open, or suspended after a case — whether or not they operate today."""
    out: np.ndarray = (state == _OPEN) | (state == _SUSPENDED)
    return out


class Groups:
    """The park's groups of firms and their daily measures."""

    def __init__(self, world: World) -> None:
        self.w = world
        firms = world.firms
        tags = sorted({t for ts in firms.tags for t in ts})
        tag_idx = {t: k for k, t in enumerate(tags)}
        pairs = [(i, tag_idx[t]) for i, ts in enumerate(firms.tags) for t in sorted(ts)]
        has_class = firms.firm_class >= 0
        park_ids = firms.park_ids
        n_pairs = len(tags) + len(firms.classes)
        self.firm = np.concatenate(
            [
                np.array([i for i, _ in pairs], dtype=np.int64),
                np.flatnonzero(has_class).astype(np.int64),
            ]
        )
        """Firm of each (firm, group) pair of the static incidence (tags, then classes)."""
        self.group = np.concatenate(
            [
                np.array([g for _, g in pairs], dtype=np.int64),
                len(tags) + firms.firm_class[has_class],
            ]
        )
        """Group of each pair (index in `labels`)."""
        self.n_pairs = n_pairs
        """Groups of the incidence (tags, classes); the parks follow them."""
        self.n_parks = len(park_ids)
        """Park groups (none without `parks:`): each firm is in exactly one, its
        `Firms.park`, summed directly rather than through the incidence."""
        n_whitelists = len(world.cfg.reopening.whitelists)
        release_ids = world.shared.release_ids
        self.labels: tuple[str, ...] = (
            *(f"tag:{t}" for t in tags),
            *(f"class:{c}" for c in firms.classes),
            *(f"{PARK_PREFIX}{p}" for p in park_ids),
            *(
                f"batch:{r}" if k < n_whitelists else f"approval:{r}"
                for k, r in enumerate(release_ids)
            ),
        )
        """Every group's name, tags first, then classes, parks, batches and approval rules."""
        self.n_static = n_pairs + self.n_parks
        self._static_firms = self._static(np.ones(firms.n))
        self._static_base = self._static(firms.baseline)
        self._static_staff = self._static(firms.staff.astype(float))

    def __len__(self) -> int:
        return len(self.labels)

    def _static(self, weights: np.ndarray) -> np.ndarray:
        """Sum of a per-firm quantity over each static group's firms (tags, classes, parks)."""
        by_pair = np.bincount(self.group, weights=weights[self.firm], minlength=self.n_pairs)
        if not self.n_parks:
            return by_pair
        by_park = np.bincount(self.w.firms.park, weights=weights, minlength=self.n_parks)
        return np.concatenate([by_pair, by_park])

    def _sums(self, weights: np.ndarray, released: np.ndarray, batch: np.ndarray) -> np.ndarray:
        """Sum of a per-firm quantity over each group's firms (static groups, then batches)."""
        n_batch = len(self.labels) - self.n_static
        return np.concatenate(
            [
                self._static(weights),
                np.bincount(batch, weights=weights[released], minlength=n_batch),
            ]
        )

    def measures(self) -> np.ndarray:
        """Today's (groups, `MEASURES`) values; a share of an empty group (a batch not yet
        released) is NaN."""
        w = self.w
        firms = w.firms
        rb = w.shared.released_by
        released = rb >= 0
        batch = rb[released]
        n_batch = len(self.labels) - self.n_static
        count = np.concatenate(
            [self._static_firms, np.bincount(batch, minlength=n_batch).astype(float)]
        )
        base = np.concatenate(
            [
                self._static_base,
                np.bincount(batch, weights=firms.baseline[released], minlength=n_batch),
            ]
        )
        staff = np.concatenate(
            [
                self._static_staff,
                np.bincount(batch, weights=firms.staff[released].astype(float), minlength=n_batch),
            ]
        )
        on_post = w.shared.on_post.astype(float)
        operating = self._sums(w.operating.astype(float), released, batch)
        resumed = self._sums(has_resumed(w.state).astype(float), released, batch)
        output = self._sums(w.output, released, batch)
        posted = self._sums(on_post, released, batch)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.stack(
                [
                    np.where(count > 0, operating / count, np.nan),
                    np.where(count > 0, resumed / count, np.nan),
                    np.where(base > 0, output / base, np.nan),
                    np.where(staff > 0, posted / staff, np.nan),
                    posted,
                ],
                axis=1,
            )
