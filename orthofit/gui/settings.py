"""The settings view: mat, port, profiles, clinic name, logo, contact, scale, kiosk PIN.

The kiosk's administrator PIN is stored only as a salted hash (:mod:`orthofit.kiosk.pin`).
"""

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
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from orthofit.errors import OrthofitError
from orthofit.io.profiles import load_insole_rules, load_thresholds, profile_names
from orthofit.kiosk.pin import (
    CHANGE_ADVICE,
    MAX_DIGITS,
    MIN_DIGITS,
    check_pin_format,
    hash_pin,
    needs_change,
)
from orthofit.report.scale import MAX_KPA_RANGE, PER_TRIAL, parse_scale
from orthofit.store import Store

#: The pressure scale choices: a fixed clinic scale, or each trial to its own peak.
SCALE_CHOICES = ("Fixed clinic scale", "Per trial (each trial to its own peak)")


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
        self.contact = QPlainTextEdit()
        self.contact.setPlaceholderText("Address, phone and e-mail, one per line (printed on "
                                        "the reports)")
        self.contact.setFixedHeight(4 * self.contact.fontMetrics().lineSpacing() + 12)
        self.scale_mode = QComboBox()
        self.scale_mode.addItems(SCALE_CHOICES)
        self.scale_max = QLineEdit()
        self.scale_max.setPlaceholderText(f"top of the scale in kPa ({MAX_KPA_RANGE[0]:g}-"
                                          f"{MAX_KPA_RANGE[1]:g})")
        self.scale_mode.currentIndexChanged.connect(
            lambda i: self.scale_max.setEnabled(i == 0))
        self.scale_max.setMaximumWidth(self.scale_max.fontMetrics().horizontalAdvance("0" * 24))
        scale_row = QHBoxLayout()
        scale_row.addWidget(self.scale_mode)
        scale_row.addWidget(self.scale_max)
        scale_row.addWidget(QLabel("kPa: the top colour of every pressure map, on screen and "
                                   "paper"), 1)
        self.profile = _combo(profile_names("mats"))
        self.port = QLineEdit()
        self.port.setPlaceholderText("e.g. /dev/ttyACM0, COM3 or socket://10.0.0.7:5000")
        self.thresholds = _combo(profile_names("thresholds"))
        self.rules = _combo(profile_names("insoles"))
        # The PIN fields start empty and never show the stored hash: empty keeps the PIN.
        self.pin = QLineEdit()
        self.pin_repeat = QLineEdit()
        for edit, hint in ((self.pin, f"new PIN, {MIN_DIGITS} to {MAX_DIGITS} digits "
                                       "(empty: keep the current one)"),
                           (self.pin_repeat, "the new PIN again")):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(MAX_DIGITS)
            edit.setPlaceholderText(hint)
        self.pin_state = QLabel("")
        self.pin_state.setWordWrap(True)
        self.save_button = QPushButton("Save settings")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel("")
        form = QFormLayout()
        form.addRow("Clinic name", self.clinic)
        form.addRow("Clinic logo (PNG/JPG)", logo_row)
        form.addRow("Clinic contact", self.contact)
        form.addRow("Pressure scale", scale_row)
        form.addRow("Mat profile", self.profile)
        form.addRow("Mat port", self.port)
        form.addRow("Cut-offs (thresholds)", self.thresholds)
        form.addRow("Insole rules", self.rules)
        form.addRow("Kiosk PIN", self.pin)
        form.addRow("Repeat the kiosk PIN", self.pin_repeat)
        form.addRow("", self.pin_state)
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
        self.contact.setPlainText(s["clinic_contact"])
        per_trial = s["pressure_scale"].strip().lower() == PER_TRIAL
        self.scale_mode.setCurrentIndex(1 if per_trial else 0)
        self.scale_max.setText("" if per_trial else s["pressure_scale"])
        self.scale_max.setEnabled(not per_trial)
        self.profile.setCurrentText(s["mat_profile"])
        self.port.setText(s["mat_port"])
        self.thresholds.setCurrentText(s["thresholds"])
        self.rules.setCurrentText(s["insole_rules"])
        self.pin.clear()
        self.pin_repeat.clear()
        if not s["kiosk_pin"]:
            state = "No kiosk PIN is set: the kiosk will not start until one is set here."
        elif needs_change(s["kiosk_pin"]):
            state = CHANGE_ADVICE[0].upper() + CHANGE_ADVICE[1:] + "."
        else:
            state = "A kiosk PIN is set (staff type it to leave the kiosk)."
        self.pin_state.setText(state)

    def _choose_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Clinic logo", "", "Images (*.png *.jpg)")
        if path:
            self.logo.setText(path)

    def _new_pin_hash(self) -> str | None:
        """The hash of the PIN typed twice; None when both fields are empty (keep the PIN)."""
        pin, again = self.pin.text().strip(), self.pin_repeat.text().strip()
        if not pin and not again:
            return None
        if pin != again:
            raise OrthofitError("the two kiosk PINs are not the same; type the new PIN twice")
        return hash_pin(check_pin_format(pin))

    def scale_setting(self) -> str:
        """The pressure scale as stored ("per trial" or kPa); ValueError says what is wrong."""
        if self.scale_mode.currentIndex() == 1:
            return PER_TRIAL
        text = self.scale_max.text().strip()
        if not text:
            raise ValueError(f"type the top of the clinic's pressure scale in kPa "
                             f"({MAX_KPA_RANGE[0]:g}-{MAX_KPA_RANGE[1]:g}), or choose "
                             "'per trial'")
        return parse_scale(text).setting

    def save(self) -> None:
        """Check the profiles, the scale and the new kiosk PIN, then store them (all or none)."""
        try:
            load_thresholds(self.thresholds.currentText())
            load_insole_rules(self.rules.currentText())
            scale = self.scale_setting()
            pin_hash = self._new_pin_hash()
        except (OrthofitError, ValueError) as exc:
            QMessageBox.warning(self, "Settings not saved", str(exc))
            return
        extra = {} if pin_hash is None else {"kiosk_pin": pin_hash}
        self.store.set_settings(clinic_name=self.clinic.text().strip(),
                                clinic_logo=self.logo.text().strip(),
                                clinic_contact=self.contact.toPlainText().strip(),
                                pressure_scale=scale,
                                mat_profile=self.profile.currentText(),
                                mat_port=self.port.text().strip(),
                                thresholds=self.thresholds.currentText(),
                                insole_rules=self.rules.currentText(), **extra)
        if extra:
            self.store.clear_pin_lockout()  # a new PIN starts with no wrong tries against it
        self.load()  # empties the PIN fields and updates whether a PIN is set
        self.status.setText("Saved; the new kiosk PIN is in use." if extra else "Saved.")
        self.saved.emit()
