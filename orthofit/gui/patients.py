"""The patients view: search as you type, add and edit, and each patient's visits and scans."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt, QUrl, pyqtSignal
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from orthofit.gui.live import ask_reload
from orthofit.gui.timefmt import local_time
from orthofit.store import ConflictError, Store, StoreError, StoreUnavailable

SEXES = ("", "female", "male", "other")
ACTIVITIES = ("", "low", "moderate", "high", "athlete")


class PatientForm(QWidget):
    """The fields of one patient (empty for a new one)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.first = QLineEdit()
        self.last = QLineEdit()
        self.birth = QDateEdit()
        self.birth.setDisplayFormat("yyyy-MM-dd")
        self.birth.setCalendarPopup(True)
        self.sex = QComboBox()
        self.sex.addItems(SEXES)
        self.shoe = QLineEdit()
        self.weight = QLineEdit()
        self.weight.setPlaceholderText("kg, 20-300 (empty if not known)")
        self.referrer = QLineEdit()
        self.referrer.setPlaceholderText("who sent the patient, e.g. Dr. Lind (GP)")
        self.activity = QComboBox()
        self.activity.addItems(ACTIVITIES)
        self.conditions = QLineEdit()
        self.conditions.setPlaceholderText("e.g. diabetes, knee pain (comma separated)")
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(70)
        for label, widget in (("First name", self.first), ("Last name", self.last),
                              ("Date of birth", self.birth), ("Sex", self.sex),
                              ("Weight (kg)", self.weight), ("Shoe size", self.shoe),
                              ("Referred by", self.referrer), ("Activity", self.activity),
                              ("Conditions", self.conditions), ("Notes", self.notes)):
            form.addRow(label, widget)

    def snapshot(self) -> tuple:
        """Everything the form holds, to tell whether it was edited since it was loaded."""
        return (self.first.text(), self.last.text(), self.values())

    def values(self) -> dict:
        """The form as store fields (the store checks the weight and says what is wrong)."""
        return {"birth_date": self.birth.date().toString("yyyy-MM-dd"),
                "sex": self.sex.currentText(), "shoe_size": self.shoe.text().strip(),
                "weight_kg": self.weight.text().strip() or None,
                "referrer": self.referrer.text().strip(),
                "activity": self.activity.currentText(),
                "conditions": [c.strip() for c in self.conditions.text().split(",")
                               if c.strip()],
                "notes": self.notes.toPlainText()}

    def load(self, patient: dict) -> None:
        """Show a stored patient."""
        from PyQt6.QtCore import QDate

        self.first.setText(patient["first_name"])
        self.last.setText(patient["last_name"])
        if patient.get("birth_date"):
            self.birth.setDate(QDate.fromString(patient["birth_date"], "yyyy-MM-dd"))
        self.sex.setCurrentText(patient.get("sex") or "")
        self.shoe.setText(patient.get("shoe_size") or "")
        weight = patient.get("weight_kg")
        self.weight.setText("" if weight is None else f"{weight:g}")
        self.referrer.setText(patient.get("referrer") or "")
        self.activity.setCurrentText(patient.get("activity") or "")
        self.conditions.setText(", ".join(patient.get("conditions") or []))
        self.notes.setPlainText(patient.get("notes") or "")


class PatientsView(QWidget):
    """Find or add a patient; see their visits and scans in time order."""

    scan_opened = pyqtSignal(int)
    patient_selected = pyqtSignal(int)
    #: The form was cleared for a new patient: nobody is chosen any more.
    patient_cleared = pyqtSignal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.current: int | None = None
        # The shown patient's row version when it was loaded (a save names it: one made
        # meanwhile on another workstation is never overwritten), and the form as loaded.
        self.version: int | None = None
        self._loaded: tuple | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search patients by name or date of birth...")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.form = PatientForm()
        self.save = QPushButton("Save patient")
        self.new = QPushButton("New patient")
        self.kiosk_code = QPushButton("Kiosk code for this patient")
        self.kiosk_code.setToolTip("A six-digit code the patient types at the waiting-room "
                                   "kiosk, so the scan is matched to them")
        self.kiosk_code.setEnabled(False)
        self.history = QTreeWidget()
        self.history.setHeaderLabels(["Visit / scan", "Details"])
        self.status = QLabel("")
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.list, 1)
        left.addWidget(self.new)
        right = QVBoxLayout()
        right.addWidget(self.form)
        actions = QHBoxLayout()
        actions.addWidget(self.kiosk_code)
        actions.addStretch(1)
        actions.addWidget(self.save)
        right.addLayout(actions)
        right.addWidget(QLabel("<b>Visits and scans</b>"))
        right.addWidget(self.history, 1)
        right.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)
        self.search.textChanged.connect(self.refresh)
        self.list.currentItemChanged.connect(self._selected)
        self.save.clicked.connect(self.save_patient)
        self.new.clicked.connect(self.new_patient)
        self.kiosk_code.clicked.connect(self.issue_kiosk_code)
        self.history.itemDoubleClicked.connect(self._open_scan)
        self.refresh()

    def refresh(self) -> None:
        """Re-run the search (as the user types); the list stays as it is if the store is away."""
        try:
            found = self.store.search_patients(self.search.text())
        except StoreError as exc:
            self.status.setText(f"The patients could not be searched: {exc}")
            return
        self.list.blockSignals(True)
        self.list.clear()
        for p in found:
            item = QListWidgetItem(f"{p['last_name']}, {p['first_name']}"
                                   + (f"  ({p['birth_date']})" if p.get("birth_date") else ""))
            item.setData(Qt.ItemDataRole.UserRole, p["id"])
            self.list.addItem(item)
            if p["id"] == self.current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def _selected(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        self.show_patient(int(item.data(Qt.ItemDataRole.UserRole)))

    def show_patient(self, patient_id: int) -> None:
        """Show one patient's details and history."""
        try:
            patient = self.store.patient(patient_id)
            visits = self.store.visits(patient_id)
        except StoreError as exc:  # the store is away, or the patient was deleted elsewhere
            self.status.setText(f"The patient could not be opened: {exc}")
            return
        self.current = patient_id
        self.kiosk_code.setEnabled(True)
        self._load_form(patient)
        self._show_history(visits)
        self.refresh()  # keeps the shown patient selected in the list
        self.patient_selected.emit(patient_id)

    def _load_form(self, patient: dict) -> None:
        self.form.load(patient)
        self.version = patient.get("row_version")
        self._loaded = self.form.snapshot()

    def edited(self) -> bool:
        """Whether the form holds changes not saved yet."""
        return self._loaded is not None and self.form.snapshot() != self._loaded

    def _show_history(self, visits: list[dict]) -> None:
        self.history.clear()
        for visit in visits:
            v = QTreeWidgetItem([f"Visit {visit['date']}", visit.get("notes") or ""])
            for scan in visit["scans"]:
                s = QTreeWidgetItem([f"Scan {scan['id']}", f"{scan['mode']}, "
                                     f"{scan['frames']} frames, {local_time(scan['recorded'])}"])
                s.setData(0, Qt.ItemDataRole.UserRole, scan["id"])
                v.addChild(s)
            self.history.addTopLevelItem(v)
            v.setExpanded(True)
        self.history.resizeColumnToContents(0)

    def reload_current(self) -> None:
        """Read the shown patient again (changed on another workstation, or a scan filed).

        The history always follows; the form too unless it holds edits not saved yet (they are
        never overwritten: saving them then says who changed the patient meanwhile). While the
        store cannot be reached, what is shown stays.
        """
        if self.current is None:
            return
        try:
            patient = self.store.patient(self.current)
            visits = self.store.visits(self.current)
        except StoreError:
            return  # away (the status bar says so), or deleted: what is shown stays
        if not self.edited():
            self._load_form(patient)
        self._show_history(visits)

    def new_patient(self) -> None:
        """Clear the form for a new patient."""
        self.current = None
        self.kiosk_code.setEnabled(False)  # a code needs a stored patient
        self.patient_cleared.emit()
        self._load_form({"first_name": "", "last_name": "", "conditions": []})
        self.history.clear()
        self.form.first.setFocus()

    def save_patient(self) -> None:
        """Add the patient in the form, or save the changes to the shown one."""
        first, last = self.form.first.text(), self.form.last.text()
        try:
            if self.current is None:
                self.current = self.store.add_patient(first, last, **self.form.values())
                self.version = 1
                self.kiosk_code.setEnabled(True)
                self.status.setText(f"Added {first} {last}.")
            else:
                self.version = self.store.update_patient(
                    self.current, expected_version=self.version, first_name=first,
                    last_name=last, **self.form.values())
                self.status.setText(f"Saved {first} {last}.")
        except ConflictError as exc:
            if ask_reload(self, exc, f"{first} {last}".strip() or "This patient"):
                self.show_patient(self.current)
                self.status.setText(f"Reloaded as {exc.by or 'another workstation'} saved it.")
            else:
                self.status.setText(f"Not saved: changed by {exc.by} meanwhile. Your changes "
                                    "are still on screen.")
            return
        except StoreUnavailable as exc:
            QMessageBox.warning(self, "Patient not saved", f"{exc}. Your changes are still on "
                                "screen: save again when the clinic store answers.")
            return
        except StoreError as exc:
            QMessageBox.warning(self, "Patient not saved", str(exc))
            return
        self._loaded = self.form.snapshot()
        self.refresh()

    def issue_kiosk_code(self) -> str | None:
        """Issue a visit code for the shown patient and show it large, to read out or copy."""
        if self.current is None:
            return None
        try:
            code = self.store.issue_kiosk_code(self.current)
        except StoreError as exc:
            QMessageBox.warning(self, "No kiosk code", str(exc))
            return None
        spaced = f"{code[:3]} {code[3:]}"  # read out in two halves, like a phone number
        box = QMessageBox(QMessageBox.Icon.Information, "Kiosk code",
                          f"<p>Give this code to the patient:</p><p style='font-size:32pt'>"
                          f"<b>{spaced}</b></p><p>They type it at the kiosk; their scan then "
                          "waits under this patient's name in the Kiosk scans tab.</p>",
                          QMessageBox.StandardButton.Close, self)
        slip = box.addButton("Print a slip...", QMessageBox.ButtonRole.ActionRole)
        slip.clicked.disconnect()  # keep the box open while the slip opens
        slip.clicked.connect(lambda: self.print_slip(code))
        self._code_box = box  # tests close it
        box.open()
        self.status.setText(f"Kiosk code {spaced} issued.")
        return code

    def print_slip(self, code: str) -> Path:
        """Write the code slip (A6 PDF, owner-only) and open it in the system's viewer."""
        import datetime as dt
        import tempfile

        from orthofit.io.ofs import write_atomic
        from orthofit.report.slip import code_slip_pdf

        pdf = code_slip_pdf(code, clinic=self.store.settings()["clinic_name"],
                            date=dt.date.today().isoformat())
        folder = Path(tempfile.mkdtemp(prefix="orthofit-slip-"))  # 0700, the user's alone
        path = write_atomic(folder / f"kiosk-code-{code}.pdf", lambda fh: fh.write(pdf))
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        self.status.setText(f"The slip for code {code[:3]} {code[3:]} is open for printing.")
        return path

    def _open_scan(self, item: QTreeWidgetItem) -> None:
        scan_id = item.data(0, Qt.ItemDataRole.UserRole)
        if scan_id is not None:
            self.scan_opened.emit(int(scan_id))
