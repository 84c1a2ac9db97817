"""The outbox's sender: after commit, picks due messages, sends them, marks them.

At most once per message: a message is claimed (a lease of service.CLAIM_S) in one transaction,
sent, then marked sent in its own transaction right after. The one window for a duplicate is a
crash after the gateway accepted the message and before that mark commits: the lease runs out and
another sender sends it again. A crash before sending loses nothing (the lease runs out, it is sent
once). See README § Notifications."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from ..background import run_with_app
from ..config import Settings
from ..db import Database
from ..timeutil import utcnow
from . import service
from .channels import Channel, SendFailed, channel_for
from .reminders import record_due_reminders

log = logging.getLogger(__name__)


class Sender:
    def __init__(self, db: Database, settings: Settings, channel: Channel | None = None):
        self.db = db
        self.settings = settings
        self.channel = channel or channel_for(settings.notify_url)

    def record_reminders(self) -> int:
        """Queue tomorrow's appointment reminders that are due (reminders.py)."""
        with self.db.unit_of_work() as session:
            return record_due_reminders(session, utcnow(), self.settings.notify_reminder_hour)

    def run_once(self) -> int:
        """Send what is due now; the number of messages tried."""
        with self.db.unit_of_work() as session:
            batch = service.claim_due(session)
        for message in batch:
            try:
                self.channel.send(message.phone, message.text, key=message.dedupe_key)
            except Exception as exc:  # a channel's failure is the message's, not the sender's
                error = str(exc) if isinstance(exc, SendFailed) else type(exc).__name__
                s = self.settings
                with self.db.unit_of_work() as session:
                    state = service.mark_failed_attempt(
                        session,
                        message.id,
                        error,
                        s.notify_max_attempts,
                        s.notify_retry_initial_s,
                        s.notify_retry_max_s,
                    )
                log.warning("notification %s not sent (%s): %s", message.id, state, error)
                continue
            with self.db.unit_of_work() as session:
                service.mark_sent(session, message.id)
        return len(batch)


def setup(app: FastAPI) -> None:
    """With MOTCUA_NOTIFY_URL set, the sender runs with the app (several workers: each runs one)."""
    settings = app.state.settings
    if not settings.notify_url:
        return
    app.state.notifier = Sender(app.state.db, settings)
    run_with_app(app, _send_loop)


async def _send_loop(app: FastAPI) -> None:
    sender, interval = app.state.notifier, app.state.settings.notify_poll_interval_s
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(sender.record_reminders)
            while await asyncio.to_thread(sender.run_once):
                pass  # a full batch: more may be due
        except Exception:
            log.exception("notification sender failed")
