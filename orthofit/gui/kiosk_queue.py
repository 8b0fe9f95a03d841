"""The kiosk queue on the podiatrist's desktop: scans patients took alone, waiting for a patient.

A kiosk scan carries only what the patient typed (a first name, a visit code); staff attach it
to a patient here, to today's visit, and see the kiosk's alerts (mat unplugged, disk full,
wrong PINs) below the queue, and a reminder while the kiosk PIN was set under older, weaker
rules.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from orthofit.errors import OrthofitError
from orthofit.gui.timefmt import local_time
from orthofit.kiosk.pin import CHANGE_ADVICE, needs_change
from orthofit.store import Store, StoreError, StoreUnavailable

COLUMNS = ("Recorded", "Name typed", "Visit code", "Trial", "Frames", "Code issued for")
#: How many of the latest kiosk alerts are listed.
ALERTS_SHOWN = 8
NO_PATIENT_TIP = "Choose a patient in the Patients tab first."


def _name(patient: dict) -> str:
    return f"{patient['first_name']} {patient['last_name']}"


class KioskQueueView(QWidget):
    """The kiosk queue as a table, with buttons to attach or open a scan, and the alerts.

    Parameters
    ----------
    store : Store
        The clinic store.
    open_scan : callable
        Called with a scan id to analyse and show that scan (the main window's ``open_scan``).
    """

    #: A scan was attached to this patient (its id).
    attached = pyqtSignal(int)

    def __init__(self, store: Store, open_scan: Callable[[int], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.open_scan = open_scan
        self.patient_id: int | None = None
        self.patient_name: str | None = None
        self.rows: list[dict] = []  # the queue as shown, with "issued_for" (id or None) added
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.empty = QLabel("No kiosk scans are waiting.")
        self.attach_current = QPushButton()
        self.attach_issued = QPushButton("Attach to the patient the code was issued for")
        self.open_button = QPushButton("Open")
        self.refresh_button = QPushButton("Refresh")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.pin_advice = QLabel(CHANGE_ADVICE[0].upper() + CHANGE_ADVICE[1:] + ".")
        self.pin_advice.setWordWrap(True)
        self.pin_advice.setStyleSheet("color: #a33")
        self.alerts = QListWidget()
        self.alerts.setMaximumHeight(150)
        self.no_alerts = QLabel("No kiosk alerts.")
        buttons = QHBoxLayout()
        for b in (self.attach_current, self.attach_issued, self.open_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Scans taken at the kiosk, waiting for a patient</b>"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.pin_advice)
        layout.addWidget(QLabel("<b>Kiosk alerts for staff</b> (latest first)"))
        layout.addWidget(self.alerts)
        layout.addWidget(self.no_alerts)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.open_selected())
        self.attach_current.clicked.connect(self.attach_to_current)
        self.attach_issued.clicked.connect(self.attach_to_issued)
        self.open_button.clicked.connect(self.open_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.refresh()

    # -- who and what ---------------------------------------------------------------------

    def show_patient(self, patient_id: int | None) -> None:
        """Make ``patient_id`` the patient "Attach to ..." attaches to (None: nobody)."""
        self.patient_id = patient_id
        self.patient_name = None
        if patient_id is not None:
            try:
                self.patient_name = _name(self.store.patient(patient_id))
            except StoreError:
                self.patient_id = None
        self._update_buttons()

    def selected(self) -> dict | None:
        """The selected queue row (a scan row plus ``issued_for``), or None."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        if item is None:
            return None
        scan_id = item.data(Qt.ItemDataRole.UserRole)
        return next((r for r in self.rows if r["id"] == scan_id), None)

    def refresh(self) -> None:
        """Read the queue and the alerts again (the selection is kept when it still waits)."""
        keep = self.selected()
        names: dict[int, str] = {}
        rows = []
        try:  # everything read first: while the store cannot be reached, the table stays
            queue = self.store.kiosk_queue()
            alerts = self.store.alerts(ALERTS_SHOWN)
            pin = self.store.settings()["kiosk_pin"]
            for scan in queue:
                pid = self.store.kiosk_code_patient(scan["kiosk_code"]) \
                    if scan["kiosk_code"] else None
                if pid is not None and pid not in names:
                    try:
                        names[pid] = _name(self.store.patient(pid))
                    except StoreUnavailable:
                        raise
                    except StoreError:  # deleted meanwhile
                        pid = None
                rows.append({**scan, "issued_for": pid})
        except StoreError as exc:
            self.status.setText(f"The kiosk queue could not be read: {exc}")
            return
        if self.status.text().startswith("The kiosk queue could not be read"):
            self.status.setText("")
        self.rows = rows
        self.table.blockSignals(True)  # half-built rows must not reach _update_buttons
        self.table.clearSelection()
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            pid = row["issued_for"]
            cells = (local_time(row["recorded"]), row["kiosk_name"] or "(no name typed)",
                     row["kiosk_code"] or "", row["mode"], str(row["frames"]),
                     f"issued for {names[pid]}" if pid is not None else "made at the kiosk")
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row["id"])
                self.table.setItem(i, j, item)
            if keep is not None and row["id"] == keep["id"]:
                self.table.selectRow(i)
        if self.rows and self.selected() is None:
            self.table.selectRow(0)  # one scan is usually waiting: ready to attach
        self.table.blockSignals(False)
        self.table.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        self.alerts.clear()
        for alert in alerts:
            message = (alert.get("detail") or {}).get("message") or "(no message)"
            self.alerts.addItem(f"{local_time(alert['at'])}  {message}")
        self.pin_advice.setVisible(bool(pin) and needs_change(pin))
        self.alerts.setVisible(bool(alerts))
        self.no_alerts.setVisible(not alerts)
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.selected()
        if self.patient_id is None:
            self.attach_current.setText("Attach to the chosen patient")
            self.attach_current.setEnabled(False)
            self.attach_current.setToolTip(NO_PATIENT_TIP)
        else:
            self.attach_current.setText(f"Attach to {self.patient_name}")
            self.attach_current.setEnabled(row is not None)
            self.attach_current.setToolTip(
                f"Attach the selected scan to today's visit of {self.patient_name}"
                if row is not None else "Select a scan in the table first.")
        issued = row is not None and row["issued_for"] is not None
        self.attach_issued.setEnabled(issued)
        self.attach_issued.setToolTip(
            "Attach the selected scan to today's visit of the patient its code was issued for"
            if issued else "The selected scan's code was not issued to a patient "
            "(the kiosk made it up): attach it to the chosen patient instead.")
        self.open_button.setEnabled(row is not None)

    # -- actions ----------------------------------------------------------------------------

    def attach_to_current(self) -> bool:
        """Attach the selected scan to today's visit of the chosen patient."""
        row = self.selected()
        if row is None or self.patient_id is None:
            return False
        issued = row["issued_for"]
        if issued is not None and issued != self.patient_id:
            # The code says someone else took this scan: a wrong attach mixes two patients.
            other = _name(self.store.patient(issued))
            answer = QMessageBox.question(
                self, "Another patient's code",
                f"This scan's code was issued for {other}, not {self.patient_name}. "
                f"Attach it to {self.patient_name} anyway?")
            if answer != QMessageBox.StandardButton.Yes:
                return False
        return self._attach(row, self.patient_id)

    def attach_to_issued(self) -> bool:
        """Attach the selected scan to today's visit of the patient its code was issued for."""
        row = self.selected()
        if row is None or row["issued_for"] is None:
            return False
        return self._attach(row, row["issued_for"])

    def _attach(self, row: dict, patient_id: int) -> bool:
        try:
            name = _name(self.store.patient(patient_id))
            self.store.attach_scan(row["id"], self.store.visit_today(patient_id))
        except StoreError as exc:  # e.g. attached meanwhile on another desktop
            QMessageBox.warning(self, "Scan not attached", str(exc))
            self.refresh()
            return False
        self.refresh()
        self.status.setText(f"Scan {row['id']} ({row['kiosk_name'] or 'no name'}, code "
                            f"{row['kiosk_code']}) is now in {name}'s visit of today.")
        self.attached.emit(patient_id)
        return True

    def open_selected(self) -> None:
        """Analyse the selected scan in the Analysis tab (it stays in the queue)."""
        row = self.selected()
        if row is None:
            return
        try:
            self.open_scan(row["id"])
        except (OrthofitError, OSError) as exc:  # a damaged or missing scan file
            QMessageBox.warning(self, "Cannot open the scan", str(exc))
