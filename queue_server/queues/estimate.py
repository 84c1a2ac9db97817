"""The wait estimate's arithmetic, apart from the database (docs/queue-policy.md, *Estimated wait*).

Three steps, each a pure function:

1. `learn_service_time`: a service's mean time per visitor from its recent finished tickets,
   blended with the configured default (the prior counts as `PRIOR_WEIGHT` observations), so the
   first estimates of the day are the default and a few visitors later the observed pace.
2. `share_counters`: how the open counters' time is split between the services they serve. A
   counter serving two queues calls the head with the longest weighted wait (`choose_next`), which
   over time evens out `weight × wait` between its queues; the shares are the split that evens it
   out for the queues as they stand (found by a few multiplicative steps).
3. `WaitModel.at(position)`: when the counters' calls for the service reach the visitor. Counter
   c frees in `free_in` seconds (0 when idle), then calls one of the service's visitors every
   `mean / share` seconds; the visitor at place p is called at the p-th of these calls. The wait
   never decreases with the place (the p-th call of a merged sequence never precedes the
   (p−1)-th), whatever the figures.

The range says how sure the figure is: the relative spread of a sum of service times (the service's
variation over the visits still ahead) and of the learnt mean (wider while few visitors have been
observed, and widest when no counter serving the service is open).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

PRIOR_WEIGHT = 2.0  # the configured default time counts as two observations
PRIOR_CV = 0.5  # the variation assumed of service times before any is observed
OUTLIER_FACTOR = 4.0  # an observation over 4 × max(default, median) counts as that (a forgotten "next")
RESIDUAL_FLOOR = 0.35  # a visitor already served longer than the mean still has this part of it left
SHARE_STEPS = 40


@dataclass(frozen=True)
class ServiceTime:
    mean_s: float
    cv: float  # standard deviation / mean of one visit
    observations: int


def learn_service_time(samples: Iterable[float], prior_s: float) -> ServiceTime:
    """The mean time per visitor: the default counted `PRIOR_WEIGHT` times, plus the samples."""
    xs = [float(x) for x in samples if x is not None and x > 0]
    if not xs:
        return ServiceTime(float(prior_s), PRIOR_CV, 0)
    cap = OUTLIER_FACTOR * max(prior_s, statistics.median(xs))
    xs = [min(x, cap) for x in xs]
    n = len(xs)
    mean = (PRIOR_WEIGHT * prior_s + sum(xs)) / (PRIOR_WEIGHT + n)
    var_rel = (PRIOR_WEIGHT * PRIOR_CV**2 + sum(((x - mean) / mean) ** 2 for x in xs)) / (PRIOR_WEIGHT + n)
    return ServiceTime(mean, math.sqrt(var_rel), n)


def share_counters(
    links: Mapping[int, Mapping[int, float]], work_s: Mapping[int, float]
) -> dict[int, dict[int, float]]:
    """Each counter's share of its time per service: {counter: {service: share}}, shares summing to 1.

    `links`: open counter → {service it serves: weight}; `work_s`: service → seconds of work waiting
    (waiting visitors × mean time). Services with no work get no share; a counter with no work at
    all is left out. The split evens out `weight × work / capacity` between the queues a counter
    serves (the balance `choose_next` keeps by calling the longest weighted wait).
    """
    shares: dict[int, dict[int, float]] = {}
    for c, svc in links.items():
        busy = {s: w for s, w in svc.items() if work_s.get(s, 0) > 0 and w > 0}
        if busy:
            total = sum(busy.values())
            shares[c] = {s: w / total for s, w in busy.items()}
    if not any(len(v) > 1 for v in shares.values()):
        return shares
    for _ in range(SHARE_STEPS):
        capacity: dict[int, float] = {}
        for v in shares.values():
            for s, x in v.items():
                capacity[s] = capacity.get(s, 0.0) + x
        for c, v in shares.items():
            if len(v) < 2:
                continue
            pull = {s: x * math.sqrt(links[c][s] * work_s[s] / max(capacity[s], 1e-9)) for s, x in v.items()}
            total = sum(pull.values())
            kept = {s: max(p / total, 1e-6) for s, p in pull.items()}  # a queue starved now may be called later
            norm = sum(kept.values())
            shares[c] = {s: x / norm for s, x in kept.items()}
    return shares


@dataclass(frozen=True)
class Estimate:
    wait_s: int
    low_s: int
    high_s: int


@dataclass(frozen=True)
class WaitModel:
    """A service's figures at one moment: its time per visitor and the counters that call its queue.

    `counters`: (free_in_s, share) per open counter serving the service; empty when none is open
    (the estimate then assumes one counter, as a centre opening its doors does, and says it is unsure).
    """

    time: ServiceTime
    counters: Sequence[tuple[float, float]]

    def _call_time(self, k: int) -> float:
        """Seconds until the k-th (1-based) call for this service: the smallest call time by which
        the counters have made k calls (a binary search per counter over its calls: exact, and as
        quick for the 500th place as for the first)."""
        mean = self.time.mean_s
        calls = [(free + mean / share - mean, mean / share) for free, share in self.counters if share > 0]
        if not calls:
            return k * mean

        def made_by(t: float) -> int:
            return sum(math.floor((t - first) / step + 1e-9) + 1 for first, step in calls if t >= first)

        best = math.inf
        for first, step in calls:
            lo, hi = 0, k - 1  # this counter's j-th call (0-based); by its (k−1)-th, k calls are made
            while lo < hi:
                mid = (lo + hi) // 2
                if made_by(first + mid * step) >= k:
                    hi = mid
                else:
                    lo = mid + 1
            best = min(best, first + lo * step)
        return max(0.0, best)

    def at(self, position: int) -> Estimate:
        if position <= 0:
            return Estimate(0, 0, 0)
        wait = self._call_time(position)
        if wait <= 0:
            return Estimate(0, 0, 0)
        mean, cv, n = self.time.mean_s, self.time.cv, self.time.observations
        # the visits served before the call: their variation adds up (relative spread ~ cv / √visits)
        capacity = sum(share for _, share in self.counters) or 1.0
        visits = max(1.0, wait * capacity / mean)
        rel = math.sqrt(cv**2 / (n + PRIOR_WEIGHT) + cv**2 / visits)
        if not self.counters:
            rel = max(rel, 0.5)
        # Each bound moves with the wait alone (never back as the place grows); the range is no
        # narrower than a third of a visit either side: a call is never to the second.
        low = min(wait / (1 + rel), wait - mean / 3)
        high = max(wait * (1 + rel), wait + mean / 3)
        return Estimate(round(wait), round(max(0.0, low)), round(high))


def residual_s(mean_s: float, elapsed_s: float) -> float:
    """What is left of a visit that has lasted `elapsed_s` (never less than a part of the mean)."""
    return max(mean_s - max(0.0, elapsed_s), RESIDUAL_FLOOR * mean_s)
