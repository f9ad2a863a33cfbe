"""The background worker of ``vastaa serve``: each round reads the channels that are due
(listening), analyses new messages (fast tier), applies the automatic moderation rules to them,
sends what the outbox holds, triages the conversations that changed, marks missed SLA deadlines
and sends their alerts, renders evidence cards, and then refines one batch of messages with the
full tier; evidence retention runs once an hour. A round that found work is followed at once by
the next; an idle one waits a little."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from vastaa.analysis.analyzer import Analyzer
from vastaa.analysis.tasks import analyze_pending, upgrade_batch
from vastaa.channels.registry import Registry
from vastaa.channels.tasks import deliver_due
from vastaa.clock import Clock
from vastaa.db import transaction
from vastaa.evidence.tasks import Retention, render_due
from vastaa.inbox.counts import ViewCounts
from vastaa.incidents.detection import Detector, detect_pending
from vastaa.listening.tasks import Listener, read_due
from vastaa.moderation.tasks import moderate_pending
from vastaa.sla.service import deliver_pending, sweep_breaches
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.tasks import triage_pending

log = logging.getLogger(__name__)


def work_once(
    sessions: sessionmaker[Session],
    fast: Analyzer,
    full: Analyzer | None,
    *,
    clock: Clock,
    weights: PriorityWeights | None = None,
    webhook_url: str = "",
    counts: ViewCounts | None = None,
    connectors: Registry | None = None,
    retention: Retention | None = None,
    listener: Listener | None = None,
    detector: Detector | None = None,
) -> int:
    """One round; returns how many things it did (0: nothing was waiting)."""
    weights = weights or PriorityWeights()
    done = 0
    if connectors is not None and listener is not None:
        done += read_due(sessions, connectors, clock=clock, listener=listener)
    done += analyze_pending(sessions, fast, clock=clock)
    if detector is not None:
        done += detect_pending(sessions, detector, clock=clock)
        done += detector.spikes.run_if_due(sessions, clock())
    done += moderate_pending(sessions, now=clock(), connectors=connectors, weights=weights)
    if connectors is not None:
        done += deliver_due(sessions, connectors, clock=clock, weights=weights)
    with transaction(sessions) as session:
        done += triage_pending(session, now=clock(), weights=weights)
    with transaction(sessions) as session:
        done += len(sweep_breaches(session, now=clock()))
    if counts is not None:
        with transaction(sessions) as session:
            counts.refresh_if_due(session, clock())
    if webhook_url:
        deliver_pending(sessions, webhook_url, now=clock())
    done += render_due(sessions, clock=clock)
    if retention is not None:
        done += retention.run_if_due(sessions, clock())
    if full is not None:
        with transaction(sessions) as session:
            upgraded = upgrade_batch(session, full, now=clock())
        if upgraded:
            with transaction(sessions) as session:
                triage_pending(session, now=clock(), weights=weights)
        done += upgraded
    return done


class Worker(threading.Thread):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        fast: Analyzer,
        full: Analyzer | None = None,
        *,
        clock: Clock,
        weights: PriorityWeights | None = None,
        webhook_url: str = "",
        counts: ViewCounts | None = None,
        connectors: Registry | None = None,
        retention: Retention | None = None,
        detector: Detector | None = None,
        interval: float = 2.0,
    ) -> None:
        super().__init__(name="vastaa-worker", daemon=True)
        self.sessions, self.fast, self.full, self.clock = sessions, fast, full, clock
        self.weights, self.webhook_url = weights or PriorityWeights(), webhook_url
        self.counts, self.connectors, self.retention = counts, connectors, retention
        self.listener = Listener()
        self.detector = detector
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                busy = work_once(
                    self.sessions,
                    self.fast,
                    self.full,
                    clock=self.clock,
                    weights=self.weights,
                    webhook_url=self.webhook_url,
                    counts=self.counts,
                    connectors=self.connectors,
                    retention=self.retention,
                    listener=self.listener,
                    detector=self.detector,
                )
            except Exception:  # a bad round must not kill the worker; it is logged
                log.exception("the background round failed; retrying in %s s", self.interval)
                busy = 0
            if not busy:
                self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
