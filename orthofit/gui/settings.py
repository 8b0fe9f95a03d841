"""The settings view: mat and port, threshold and insole-rule profiles, clinic name and logo."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from orthofit.errors import OrthofitError
from orthofit.io.profiles import load_insole_rules, load_thresholds, profile_names
from orthofit.store import Store


def _combo(names: list[str]) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)  # a clinic's own profile: a path to its .toml
    combo.addItems(names)
    return combo


class SettingsView(QWidget):
    """Edit the store's settings; ``saved`` tells the window to reload what depends on them."""

    saved = pyqtSignal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.clinic = QLineEdit()
        self.logo = QLineEdit()
        browse = QPushButton("Choose...")
        browse.clicked.connect(self._choose_logo)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(browse)
        self.profile = _combo(profile_names("mats"))
        self.port = QLineEdit()
        self.port.setPlaceholderText("e.g. /dev/ttyACM0, COM3 or socket://10.0.0.7:5000")
        self.thresholds = _combo(profile_names("thresholds"))
        self.rules = _combo(profile_names("insoles"))
        self.save_button = QPushButton("Save settings")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel("")
        form = QFormLayout()
        form.addRow("Clinic name", self.clinic)
        form.addRow("Clinic logo (PNG/JPG)", logo_row)
        form.addRow("Mat profile", self.profile)
        form.addRow("Mat port", self.port)
        form.addRow("Cut-offs (thresholds)", self.thresholds)
        form.addRow("Insole rules", self.rules)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.load()

    def load(self) -> None:
        """Show the stored settings."""
        s = self.store.settings()
        self.clinic.setText(s["clinic_name"])
        self.logo.setText(s["clinic_logo"])
        self.profile.setCurrentText(s["mat_profile"])
        self.port.setText(s["mat_port"])
        self.thresholds.setCurrentText(s["thresholds"])
        self.rules.setCurrentText(s["insole_rules"])

    def _choose_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Clinic logo", "", "Images (*.png *.jpg)")
        if path:
            self.logo.setText(path)

    def save(self) -> None:
        """Check the chosen profiles can be read, then store the settings."""
        try:
            load_thresholds(self.thresholds.currentText())
            load_insole_rules(self.rules.currentText())
        except OrthofitError as exc:
            QMessageBox.warning(self, "Settings not saved", str(exc))
            return
        self.store.set_settings(clinic_name=self.clinic.text().strip(),
                                clinic_logo=self.logo.text().strip(),
                                mat_profile=self.profile.currentText(),
                                mat_port=self.port.text().strip(),
                                thresholds=self.thresholds.currentText(),
                                insole_rules=self.rules.currentText())
        self.status.setText("Saved.")
        self.saved.emit()
