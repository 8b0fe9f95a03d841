"""The desktop's live link to the clinic store: changes made elsewhere, the connection, the outbox.

Several desktops and kiosks share one store. :class:`StoreLink` polls the store's change feed
(:class:`~orthofit.store.changes.ChangeFeed`) from a timer on the GUI thread, so that a scan
filed at the kiosk or on another desktop reaches this one's views within a second; it says in
the status bar whether the store can be reached, and files the captures kept on this computer
while it could not (:class:`~orthofit.store.outbox.Outbox`) as soon as it can again.
:func:`ask_reload` is what a view asks when its save was refused because another workstation
saved the same record first.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from PyQt6.QtCore import QObject, QTimer, pyqtSignal
from PyQt6.QtWidgets import QMessageBox, QWidget

from orthofit.model import Recording
from orthofit.store import ConflictError, Store
from orthofit.store.changes import ChangeFeed
from orthofit.store.outbox import Filed, Outbox

log = logging.getLogger(__name__)

#: How often the desktop looks for changes (ms): well inside the 2 s a change may take to show.
POLL_MS = 300


def clock(when: dt.datetime | str) -> str:
    """A time as the clinic reads it: "14:02" today, "2026-03-01 14:02" on another day."""
    if isinstance(when, str):
        try:
            when = dt.datetime.fromisoformat(when)
        except ValueError:
            return when
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone()
    today = dt.datetime.now().astimezone().date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"


def captures(n: int) -> str:
    """A number of captures in words: "1 capture", "2 captures"."""
    return f"{n} capture{'' if n == 1 else 's'}"


def ask_reload(parent: QWidget | None, exc: ConflictError, what: str) -> bool:
    """Say who saved ``what`` since it was opened here, and ask whether to reload it.

    True for Reload (show their version; the changes made here are dropped); False for Keep my
    changes (they stay on screen, not saved).
    """
    box = QMessageBox(QMessageBox.Icon.Warning, "Changed on another workstation",
                      f"{what} was changed by {exc.by or 'someone'} at {clock(exc.at)}, after "
                      "you opened it here.", parent=parent)
    box.setInformativeText("Reload shows their version (your changes here are dropped). Keep "
                           "my changes leaves yours on screen, not saved; to save them, note "
                           "them, reload, and make them again.")
    reload = box.addButton("Reload", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Keep my changes", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(reload)
    box.setObjectName("conflict")
    box.exec()
    return box.clickedButton() is reload


class StoreLink(QObject):
    """The change feed polled on a timer, the connection's state, and the outbox.

    Parameters
    ----------
    store : Store
        The clinic store the desktop works on.
    interval_ms : int
        How often the feed is polled.

    Signals: ``changed(list)`` with the new audit events (any workstation's, this one's too);
    ``state_changed()`` when the connection or the outbox changed (the status text then
    differs); ``reconnected()`` when the store answers again after it did not (views then read
    again what they show); ``filed(object)`` with the :class:`~orthofit.store.outbox.Filed` of
    captures filed from the outbox.
    """

    changed = pyqtSignal(list)
    state_changed = pyqtSignal()
    reconnected = pyqtSignal()
    filed = pyqtSignal(object)

    def __init__(self, store: Store, parent: QObject | None = None, *,
                 interval_ms: int = POLL_MS) -> None:
        super().__init__(parent)
        self.store = store
        self.feed = ChangeFeed(store)
        self.outbox = Outbox(store.folder)
        self.online = self.feed.online
        self.waiting = len(self.outbox.waiting())
        self.problems: list[str] = []
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self) -> None:
        """Poll the feed once: hand on the changes, notice the store leaving or coming back."""
        events = self.feed.poll()
        online = self.feed.online
        if online != self.online:
            self.online = online
            self.state_changed.emit()
            if online:
                self.file_outbox()
                self.reconnected.emit()
        if events:
            self.changed.emit(events)

    def keep(self, rec: Recording, **ticket: Any) -> None:
        """Keep a capture that could not be filed (OSError if this computer cannot either)."""
        self.outbox.keep(rec, **ticket)
        self.waiting = len(self.outbox.waiting())
        self.state_changed.emit()

    def file_outbox(self) -> Filed:
        """File the captures kept on this computer (at the start, and when the store is back)."""
        done = self.outbox.file(self.store)
        self.waiting = len(self.outbox.waiting())
        self.problems = [why for _item, why in done.problems]
        if done.filed or done.problems:
            self.filed.emit(done)
        self.state_changed.emit()
        return done

    def text(self) -> str:
        """The status bar's words on the store ("Clinic store: connected", ...)."""
        if self.online:
            state = "Clinic store: connected" if self.store.on_server else \
                "Clinic store: on this computer"
        else:
            since = self.feed.down_since
            what = "server not reachable" if self.store.on_server else "cannot be read"
            state = (f"Clinic store: {what}" + (f" since {clock(since)}" if since else "") +
                     " \u2014 working on what is open; will reconnect")
        unfiled = self.waiting - len(self.problems)
        if unfiled > 0:
            state += f" \u00b7 {captures(unfiled)} waiting to be filed"
        if self.problems:
            state += f" \u00b7 {captures(len(self.problems))} could not be filed"
        return state

    def details(self) -> str:
        """The status's tooltip: where the store is, and why captures wait."""
        lines = [f"Clinic store: {self.store.location}"]
        if not self.online and self.feed.problem:
            lines.append(self.feed.problem)
        if self.waiting:
            lines.append(f"Kept on this computer in {self.outbox.folder}")
        lines += self.problems
        return "\n".join(lines)

    def close(self) -> None:
        """Stop polling and close the feed."""
        self.timer.stop()
        self.feed.close()
