"""Comparing two visits of one patient (before and after a fitting)."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from orthofit.analysis import Analysis
from orthofit.store import Store

#: The measures compared: key, label, digits, unit.
MEASURES = (("arch_index", "Arch index", 3, ""), ("cpei", "CPEI", 1, " %"),
            ("chippaux_smirak_pct", "Chippaux-Smirak", 1, " %"),
            ("medial_pct", "Medial share of load", 0, " %"),
            ("peak_pressure_kpa", "Peak pressure", 0, " kPa"),
            ("mean_pressure_kpa", "Mean pressure", 0, " kPa"),
            ("contact_area_cm2", "Contact area", 1, " cm2"),
            ("stance_time_s", "Stance time", 2, " s"))


class CompareView(QWidget):
    """Two scans of the shown patient, their measures and the change, per foot."""

    def __init__(self, store: Store, analyse: Callable[[int], Analysis],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.analyse = analyse
        self.before = QComboBox()
        self.after = QComboBox()
        self.table = QTableWidget()
        self.note = QLabel("Choose a patient with two scans.")
        form = QFormLayout()
        form.addRow("Before", self.before)
        form.addRow("After", self.after)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        self.before.currentIndexChanged.connect(self.refresh)
        self.after.currentIndexChanged.connect(self.refresh)

    def show_patient(self, patient_id: int) -> None:
        """List the patient's scans, the two latest chosen."""
        scans = [(v["date"], s) for v in self.store.visits(patient_id) for s in v["scans"]]
        for combo in (self.before, self.after):
            combo.blockSignals(True)
            combo.clear()
            for date, s in scans:
                combo.addItem(f"{date} - scan {s['id']} ({s['mode']})", s["id"])
            combo.blockSignals(False)
        if len(scans) >= 2:
            self.before.setCurrentIndex(len(scans) - 2)
            self.after.setCurrentIndex(len(scans) - 1)
        self.refresh()

    def refresh(self) -> None:
        """Recompute the comparison table."""
        a, b = self.before.currentData(), self.after.currentData()
        self.table.clear()
        if a is None or b is None or a == b:
            self.note.setText("Choose two different scans.")
            self.table.setRowCount(0)
            return
        before, after = self.analyse(int(a)), self.analyse(int(b))
        header = ["Measure"]
        for side in ("left", "right"):
            header += [f"{side} before", f"{side} after", f"{side} change"]
        self.table.setColumnCount(len(header))
        self.table.setHorizontalHeaderLabels(header)
        self.table.setRowCount(len(MEASURES))
        for r, (key, label, digits, unit) in enumerate(MEASURES):
            self.table.setItem(r, 0, QTableWidgetItem(label))
            for k, side in enumerate(("left", "right")):
                fa, fb = before.foot(side), after.foot(side)
                va = fa.metrics.get(key) if fa else None
                vb = fb.metrics.get(key) if fb else None
                cells = [va, vb, None if va is None or vb is None else vb - va]
                for j, v in enumerate(cells):
                    text = "n/a" if v is None else (f"{v:+.{digits}f}{unit}" if j == 2
                                                    else f"{v:.{digits}f}{unit}")
                    self.table.setItem(r, 1 + 3 * k + j, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.note.setText("Change = after minus before.")
