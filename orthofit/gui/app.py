"""The podiatrist's main window: patients, analysis, proposal, kiosk queue, on the clinic store."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from PyQt6.QtCore import QCoreApplication, QEvent, QTimer, QUrl
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStatusBar,
    QTabWidget,
)

from orthofit.analysis import Analysis
from orthofit.errors import OrthofitError
from orthofit.gui import VIEWS
from orthofit.gui.analysis import AnalysisView
from orthofit.gui.capture import CaptureView
from orthofit.gui.compare import CompareView
from orthofit.gui.kiosk_queue import KioskQueueView
from orthofit.gui.live import StoreLink, ask_reload, captures
from orthofit.gui.patients import PatientsView
from orthofit.gui.proposal import ProposalView
from orthofit.gui.settings import SettingsView
from orthofit.gui.timefmt import local_time
from orthofit.io.load import load
from orthofit.io.profiles import load_insole_rules, load_thresholds
from orthofit.model import Recording
from orthofit.proposal.model import Proposal
from orthofit.proposal.rules import propose
from orthofit.report.comparison import trial_kind as _trial_kind
from orthofit.report.scale import PressureScale, parse_scale
from orthofit.store import ConflictError, Store, StoreError, StoreUnavailable


class MainWindow(QMainWindow):
    """Tabs for patients, analysis and proposal; exports from the File menu."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setWindowTitle("orthofit")
        self.tabs = QTabWidget()
        self.patients = PatientsView(store)
        self.analysis_view = AnalysisView()
        self.proposal_view = ProposalView()
        self.capture_view = CaptureView()
        self.settings_view = SettingsView(store)
        self.compare_view = CompareView(store, self.analyse_scans)
        self.kiosk_view = KioskQueueView(store, self.open_scan)
        self.tabs.addTab(self.patients, "Patients")
        self.tabs.addTab(self.capture_view, "Capture")
        self.tabs.addTab(self.analysis_view, "Analysis")
        self.tabs.addTab(self.proposal_view, "Proposal")
        self.tabs.addTab(self.compare_view, "Compare visits")
        self.tabs.addTab(self.kiosk_view, "Kiosk scans")
        self.tabs.addTab(self.settings_view, "Settings")
        # The status bar first: a setting that cannot be used is said there.
        self.setStatusBar(QStatusBar())
        # Whether the clinic store can be reached, and the captures waiting to be filed: always
        # on show, at the right of the status bar.
        self.store_state = QLabel()
        self.statusBar().addPermanentWidget(self.store_state)
        self.apply_settings()
        self.settings_view.saved.connect(self.apply_settings)
        self.setCentralWidget(self.tabs)
        self.scan_id: int | None = None
        self.recording: Recording | None = None
        self.analysis: Analysis | None = None
        self.patient_id: int | None = None
        self.recordings: list[Recording] = []
        self.trial_ids: list[int] = []
        self.trial_labels: list[str] | None = None
        # The open scan's proposal as stored when it was opened (0: none stored yet), so that a
        # save never overwrites one made meanwhile on another workstation.
        self.proposal_version = 0
        self._proposal_unsaved = False
        self._conflict_kept: int | None = None  # the other save whose version the user kept
        self._patients_seen: dict[int, dict] = {}  # read while the store could be reached
        self.analysis_view.trials_changed.connect(self._show_trials)
        self.patients.scan_opened.connect(self.open_scan)
        self.patients.patient_selected.connect(self._patient_selected)
        self.patients.patient_cleared.connect(self._patient_cleared)
        self.proposal_view.changed.connect(self._proposal_changed)
        self.proposal_view.report_info = self.report_info  # names the scans of 3D exports
        self.capture_view.recorded.connect(self._recorded)
        self.kiosk_view.attached.connect(self.patients.show_patient)
        self.tabs.currentChanged.connect(self._tab_changed)
        # Other workstations' changes, the store's connection and captures kept meanwhile.
        self.live = StoreLink(store, self)
        self.live.changed.connect(self._store_changed)
        self.live.state_changed.connect(self._show_store_state)
        self.live.reconnected.connect(self._store_back)
        self.live.filed.connect(self._outbox_filed)
        self._show_store_state()
        if self.live.waiting:
            QTimer.singleShot(0, self.live.file_outbox)  # kept at an earlier session
        menu = self.menuBar().addMenu("&File")
        menu.addAction("Open scan file...", self.open_file)
        menu.addAction("Export reports (PDF)...", lambda: self.export_reports(open_result=True))
        menu.addSeparator()
        menu.addAction("Quit", self.close)

    def apply_settings(self) -> None:
        """Use the stored settings: profiles for analysis, the mat for capture."""
        s = self.store.settings()
        try:
            self.thresholds = load_thresholds(s["thresholds"])
            self.rules = load_insole_rules(s["insole_rules"])
            self.proposal_view.rules_profile = s["insole_rules"]  # its [print3d] sizes
        except OrthofitError as exc:  # a clinic profile that was moved or deleted
            self.thresholds = load_thresholds("default")
            self.rules = load_insole_rules("default")
            self.proposal_view.rules_profile = "default"
            self.statusBar().showMessage(f"{exc}; using the default profiles", 15000)
        self.capture_view.profile.setCurrentText(s["mat_profile"])
        if s["mat_port"]:
            self.capture_view.port.setEditText(s["mat_port"])
        title = "orthofit" + (f" - {s['clinic_name']}" if s["clinic_name"] else "")
        self.setWindowTitle(title)
        try:
            self.scale = parse_scale(s["pressure_scale"])
        except ValueError as exc:  # written by hand or by another tool: say so, draw anyway
            self.scale = PressureScale()
            self.statusBar().showMessage(f"{exc}; using the clinic scale of "
                                         f"{self.scale.max_kpa:g} kPa", 15000)
        self.analysis_view.set_scale(self.scale)
        self.capture_view.set_scale(self.scale)
        self.compare_view.set_scale(self.scale)

    def _recorded(self, rec: Recording) -> None:
        """A capture ended: keep it under today's visit of the shown patient, then analyse."""
        if self.patient_id is None:
            self.statusBar().showMessage("No patient chosen: the scan is shown, not stored",
                                         8000)
            self.scan_id = None
            self.show_recording(rec)
            return
        vid = None
        try:
            vid = self.store.visit_today(self.patient_id)
            # The capture's own file goes into the store: the bytes recorded, not a rewrite.
            scan_id = self.store.add_scan(rec, visit_id=vid, source="capture",
                                          file=self.capture_view.captured_file(rec))
        except StoreUnavailable:
            self._keep_capture(rec, vid)
            return
        except StoreError as exc:  # e.g. the patient was deleted on another desktop
            QMessageBox.warning(self, "Scan not stored", f"{exc}. The scan is shown, not "
                                "stored; choose the patient again and record it again.")
            self.scan_id = None
            self.show_recording(rec)
            return
        self.capture_view.forget_capture(rec)  # safe in the store now
        self.patients.show_patient(self.patient_id)
        self.open_scan(scan_id)

    def _keep_capture(self, rec: Recording, visit_id: int | None) -> None:
        """The store cannot be reached: keep the capture here, file it when it is back."""
        try:
            self.live.keep(rec, patient_id=self.patient_id, visit_id=visit_id,
                           visit_date=dt.date.today().isoformat(), source="capture")
            # Short: the status bar's right-hand side says already that the store is away.
            said = "Capture kept on this computer: it is filed when the clinic store answers"
            self.capture_view.forget_capture(rec)  # the outbox holds it now
        except OSError as exc:
            said = (f"The clinic store cannot be reached and the capture cannot be kept on this "
                    f"computer either ({exc.strerror or exc}): it is shown, not stored")
        self.scan_id = None
        self.show_recording(rec)
        self.statusBar().showMessage(said, 30000)

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        """Release the mat and stop following the store before closing."""
        self.capture_view.disconnect_mat()
        self.live.close()
        super().closeEvent(event)

    # -- other workstations, the connection -------------------------------------------------

    def _show_store_state(self) -> None:
        self.store_state.setText(self.live.text())
        self.store_state.setToolTip(self.live.details())
        self.store_state.setStyleSheet("" if self.live.online and not self.live.problems
                                       else "color: #a33")

    def _store_changed(self, events: list[dict]) -> None:
        """Changes made by anyone: read again what the open views show of them."""
        entities = {e["entity"] for e in events}
        if entities & {"scan", "kiosk", "kiosk_capture", "settings", "pin_lockout"}:
            self.kiosk_view.refresh()  # a kiosk scan, one attached, an alert, the PIN
        if entities & {"patient", "visit", "scan", "proposal", "report"}:
            self.patients.reload_current()
            if entities & {"visit", "scan"} and self.patient_id is not None:
                self.compare_view.show_patient(self.patient_id)  # a new trial to compare
            if any(e["entity"] == "patient" for e in events):
                self.patients.refresh()  # a name in the list changed, or a new patient
        self._note_proposal_change(events)

    def _note_proposal_change(self, events: list[dict]) -> None:
        """Say so when another workstation changed the proposal shown here."""
        for e in events:
            if e["entity"] == "proposal" and self.scan_id is not None and \
                    (e.get("detail") or {}).get("scan_id") == self.scan_id and \
                    (e["workstation"], e["actor"]) != (self.store.workstation, self.store.actor):
                self.statusBar().showMessage(
                    f"The proposal of scan {self.scan_id} was just changed by {e['actor']} on "
                    f"{e['workstation']}; your next change here will ask whether to reload it",
                    15000)

    def _store_back(self) -> None:
        """The store answers again: read the views again and save what could not be saved."""
        self.patients.refresh()
        self.patients.reload_current()
        self.kiosk_view.refresh()
        if self._proposal_unsaved:
            self._proposal_changed()

    def _outbox_filed(self, done) -> None:  # noqa: ANN001 - an outbox.Filed
        if done.filed:
            self.statusBar().showMessage(
                f"Filed {captures(len(done.filed))} kept while the clinic store could not be "
                f"reached (scan {', '.join(str(sid) for _w, sid in done.filed)})", 15000)
            if self.patient_id in {w.patient_id for w, _sid in done.filed}:
                self.patients.reload_current()
        if done.problems:
            QMessageBox.warning(
                self, "Captures not filed",
                f"{captures(len(done.problems))} kept on this computer could not be filed:\n" +
                "\n".join(why for _w, why in done.problems) +
                f"\n\nThey stay in {self.live.outbox.folder}.")

    def _scan_owner(self) -> int | None:
        """The patient the shown scan belongs to.

        A stored scan's own patient (None while it waits in the kiosk queue: its report then
        names nobody and the chosen patient's conditions do not apply); for a file or a
        capture not stored, the chosen patient.
        """
        if self.scan_id is not None:
            return self.store.scan_patient(self.scan_id)
        return self.patient_id

    def _patient(self, patient_id: int) -> dict:
        """A patient's record; the one read last while the store cannot be reached."""
        try:
            record = self.store.patient(patient_id)
        except StoreUnavailable:
            if patient_id in self._patients_seen:
                return self._patients_seen[patient_id]
            raise
        self._patients_seen[patient_id] = record
        return record

    def _patient_name(self) -> str | None:
        owner = self._scan_owner()
        if owner is None:
            return None
        p = self._patient(owner)
        return f"{p['first_name']} {p['last_name']}"

    def _patient_info(self) -> dict:
        """The report's ``info["patient"]``: the shown scan's patient, the fields known."""
        owner = self._scan_owner()
        if owner is None:
            return {}
        p = self._patient(owner)
        info = {"name": f"{p['first_name']} {p['last_name']}",
                "birth_date": p.get("birth_date"), "sex": p.get("sex"),
                "weight_kg": p.get("weight_kg"), "shoe_size": p.get("shoe_size"),
                "referrer": p.get("referrer"), "conditions": list(p.get("conditions") or [])}
        return {k: v for k, v in info.items() if v not in (None, "", [])}

    def _patient_selected(self, patient_id: int) -> None:
        self.patient_id = patient_id
        try:
            self.capture_view.set_weight(self._patient(patient_id).get("weight_kg"))
        except StoreUnavailable as exc:
            self.statusBar().showMessage(str(exc), 15000)
        self.compare_view.show_patient(patient_id)
        self.kiosk_view.show_patient(patient_id)

    def _patient_cleared(self) -> None:
        """Nobody is chosen: a capture is not filed and the queue attaches to nobody."""
        self.patient_id = None
        self.capture_view.set_weight(None)
        self.kiosk_view.show_patient(None)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.kiosk_view:
            self.kiosk_view.refresh()  # the kiosk adds scans while the desktop is open

    def analyse_scan(self, scan_id: int) -> Analysis:
        """The analysis of a stored scan (kept for the comparison)."""
        return self.analyse_scans((scan_id,))

    def analyse_scans(self, scan_ids: tuple[int, ...]) -> Analysis:
        """Stored scans of one kind analysed together (a visit's trials, or one scan).

        Kept for the comparison, which draws the same analyses again and again.
        """
        from orthofit.analysis.pipeline import analyze_trials

        key = (tuple(scan_ids), id(self.thresholds))
        cache = self.__dict__.setdefault("_analyses", {})
        if key not in cache:
            recs = [self.store.load_scan(sid) for sid in scan_ids]
            cache[key] = analyze_trials(recs, self.thresholds,
                                        labels=[f"scan {sid}" for sid in scan_ids])
        return cache[key]

    def _diabetic(self) -> bool:
        """Whether the shown patient has diabetes (the offloading rule then applies)."""
        owner = self._scan_owner()
        if owner is None:
            return False
        conditions = self._patient(owner).get("conditions") or []
        return any("diabet" in c.lower() for c in conditions)

    def open_scan(self, scan_id: int) -> None:
        """Analyse a stored scan, with the other trials of its kind from the same visit."""
        rec = self.store.load_scan(scan_id)  # first: a damaged file leaves the shown scan as is
        self.scan_id = scan_id
        kind = _trial_kind(rec.mode)
        trials = [s for s in self.store.visit_scans(scan_id)
                  if s["id"] == scan_id or (kind != "unknown" and _trial_kind(s["mode"]) == kind)]
        self.analysis_view.show_trials([(s["id"], _trial_label(s), True) for s in trials])
        self._show_trials([s["id"] for s in trials], first=(scan_id, rec))

    def _show_trials(self, scan_ids: list[int], first: tuple[int, Recording] | None = None) -> None:
        """Analyse the chosen trials of the shown visit together and show them."""
        recs, labels = [], []
        for sid in scan_ids:
            if first is not None and sid == first[0]:
                recs.append(first[1])
            else:
                try:
                    recs.append(self.store.load_scan(sid))
                except OrthofitError as exc:  # one damaged trial: the others still count
                    self.statusBar().showMessage(str(exc), 15000)
                    continue
            labels.append(f"scan {sid}")
        self.trial_ids = scan_ids
        self.show_recordings(recs, labels)
        record = self.store.proposal_record(self.scan_id) if self.scan_id is not None else None
        self._opened_proposal(record)

    def _opened_proposal(self, record: dict | None) -> None:
        """Show the stored proposal (if any) and remember the version it had."""
        self.proposal_version = 0 if record is None else int(record["row_version"])
        self._proposal_unsaved = False
        self._conflict_kept = None
        if record is not None and self.analysis is not None:
            edited = record["edited"] or record["original"]
            self.proposal_view.show_proposal(Proposal.from_dict(edited), self.analysis)

    def open_file(self) -> None:
        """Open a scan from a file (any format orthofit reads)."""
        path, _ = QFileDialog.getOpenFileName(self, "Open a scan")
        if path:
            try:
                self.scan_id = None
                self.show_recording(load(path))
            except Exception as exc:  # noqa: BLE001 - the message goes to the user
                QMessageBox.warning(self, "Cannot open the scan", str(exc))

    def show_recording(self, rec: Recording) -> None:
        """Analyse, propose and show one recording (a file, or a capture not stored)."""
        self.analysis_view.show_trials([])
        self.show_recordings([rec])

    def show_recordings(self, recs: list[Recording], labels: list[str] | None = None) -> None:
        """Analyse trials of one visit together, propose and show them."""
        from orthofit.analysis.pipeline import analyze_trials

        self.recordings = list(recs)
        self.recording = recs[0]
        self.trial_labels = labels
        self.analysis = analyze_trials(recs, self.thresholds, labels=labels)
        self.analysis_view.diabetic = self._diabetic()
        self.analysis_view.show_analysis(self.analysis, recs[0])
        proposal = propose(self.analysis, self.rules, diabetic=self._diabetic())
        if proposal.feet:
            self.proposal_view.show_proposal(proposal, self.analysis)
        self.tabs.setCurrentWidget(self.analysis_view)
        self.statusBar().showMessage(analysed_message(self.analysis, len(recs)), 5000)

    def _proposal_changed(self) -> None:
        """Save the edited proposal, unless another workstation saved it since it was opened."""
        if self.scan_id is None or self.proposal_view.proposal is None:
            return
        scan_id = self.scan_id
        try:
            original = propose(self.analysis, self.rules, diabetic=self._diabetic()).to_dict()
            self.store.save_proposal(scan_id, original, self.proposal_view.proposal.to_dict(),
                                     expected_version=self.proposal_version)
        except ConflictError as exc:
            self._proposal_unsaved = True
            if exc.row_version == self._conflict_kept:  # asked about this save already
                self._say_unsaved(exc)
                return
            if ask_reload(self, exc, f"The proposal of scan {scan_id}"):
                self._reload_proposal(scan_id)
            else:
                self._conflict_kept = exc.row_version
                self._say_unsaved(exc)
            return
        except StoreUnavailable:
            self._proposal_unsaved = True
            self.statusBar().showMessage(
                "The clinic store cannot be reached: the proposal's change is on screen and is "
                "saved when the store answers again", 30000)
            return
        except StoreError as exc:
            QMessageBox.warning(self, "Proposal not saved", str(exc))
            return
        self.proposal_version += 1  # what this save made it (a new one starts at 1)
        self._proposal_unsaved = False

    def _reload_proposal(self, scan_id: int) -> None:
        try:
            record = self.store.proposal_record(scan_id)
        except StoreError as exc:
            QMessageBox.warning(self, "Proposal not reloaded", str(exc))
            return
        if record is None:  # theirs was removed: what is on screen is the rules' proposal
            self.proposal_version = 0
            return
        self._opened_proposal(record)
        self.statusBar().showMessage(f"Reloaded the proposal of scan {scan_id} as "
                                     f"{record['updated_by'] or 'another workstation'} saved it",
                                     15000)

    def _say_unsaved(self, exc: ConflictError) -> None:
        self.statusBar().showMessage(
            f"Your changes to the proposal are on screen, not saved: it was changed by "
            f"{exc.by} after you opened it (open the scan again to see theirs)", 30000)

    def report_info(self) -> dict:
        """The reports' ``info``: date, scan, clinic, patient, contact, scale, diabetes."""
        s = self.store.settings()
        return {"date": dt.date.today().isoformat(),
                "file": f"scan {self.scan_id or ''}",
                "clinic": s["clinic_name"] or None,
                "clinic_logo": s["clinic_logo"] or None,
                "clinic_contact": s["clinic_contact"],
                "pressure_scale": self.scale,
                "patient_name": self._patient_name(),
                "patient": self._patient_info(),
                "diabetic": self._diabetic(),
                **({"scan_sha256": self._scan_checksums()} if self.scan_id is not None
                   else {})}

    def _scan_checksums(self) -> list[str]:
        """The SHA-256 of the stored scans shown (the visit's trials analysed together).

        The store names each scan file by its checksum, so exported proposals and insoles
        record which scans they were made from.
        """
        shown = set(self.trial_ids or [self.scan_id])
        return [s["sha256"] for s in self.store.visit_scans(self.scan_id) if s["id"] in shown]

    def export_reports(self, folder: str | None = None, *, open_result: bool = False) -> list[Path]:
        """Write the clinician and patient PDFs (and the lab JSON/SVG) into a folder."""
        if self.recording is None or self.analysis is None:
            QMessageBox.information(self, "Nothing to export", "Open a scan first.")
            return []
        folder = folder or QFileDialog.getExistingDirectory(self, "Export to")
        if not folder:
            return []
        from orthofit.report.make import build_reports, write_lab_files, write_reports

        self.statusBar().showMessage("Writing the reports...")
        QApplication.processEvents()
        reports = build_reports(self.recordings, thresholds=self.thresholds, rules=self.rules,
                                proposal=self.proposal_view.proposal, labels=self.trial_labels,
                                info=self.report_info(), diabetic=self._diabetic())
        out = Path(folder)
        paths = write_reports(reports, out / "report.pdf")
        paths += write_lab_files(reports, out / "insoles.json", out / "insoles.svg")
        if self.scan_id is not None:
            for path in paths[:2]:
                self.store.add_report(self.scan_id, "clinician" if "clinician" in path.name
                                      else "patient", path.read_bytes())
        self.statusBar().showMessage(f"Wrote {len(paths)} files to {out}", 8000)
        if open_result:  # show the clinician's PDF in the system's viewer
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths[0])))
        return paths


def _count(n: int, word: str, plural: str | None = None) -> str:
    """"1 foot", "2 feet": ``n`` and the word, plural unless n is 1."""
    return f"{n} {word if n == 1 else plural or word + 's'}"


def analysed_message(analysis: Analysis, n_trials: int) -> str:
    """The status bar after an analysis: "2 feet analysed, 9 steps from 3 trials"."""
    used = sum(len(f.used_steps) for f in analysis.feet)
    unit = "step" if analysis.mode == "walk" else "print"
    return (f"{_count(len(analysis.feet), 'foot', 'feet')} analysed, {_count(used, unit)} from "
            f"{_count(n_trials, 'trial')}")


def _trial_label(scan: dict) -> str:
    """A stored scan as a line of the trial list: its kind, time and frames."""
    return f"scan {scan['id']}: {scan['mode']}, {local_time(scan['recorded'])}, " \
        f"{scan['frames']} frames"


def demo_store(folder: Path) -> Store:
    """A store with sample patients and their scans (the sample scans).

    Robin Archer came twice: six weeks ago (the first two walk passes) and today (the third),
    so the comparison of visits opens with a before and an after.
    """
    store = Store(folder, actor="demo")
    if store.search_patients():
        return store
    samples = resources.files("orthofit.sample_scans")
    passes = ("{}.ofs", "{}_2.ofs", "{}_3.ofs")  # a visit: three passes over the plate
    today = dt.date.today()
    earlier = (today - dt.timedelta(weeks=6)).isoformat()
    now = dt.datetime.now().astimezone()
    # (first, last, born, weight kg, shoe size, referrer, conditions, visits: date -> scans)
    people = (
        ("Alex", "Walker", "1984-03-12", 78.0, "43", "", [],
         {today.isoformat(): [p.format("walk_normal") for p in passes]}),
        ("Sam", "Flatley", "1990-07-01", 64.5, "39", "Dr. Lind (GP)", ["knee pain"],
         {today.isoformat(): [p.format("walk_flat") for p in passes]}),
        ("Robin", "Archer", "1976-11-23", 91.0, "44", "Diabetes clinic", ["diabetes"],
         {earlier: [p.format("walk_cavus") for p in passes[:2]],
          today.isoformat(): [passes[2].format("walk_cavus")]}),
        ("Jo", "Stand", "2001-05-30", None, "", "", [],
         {today.isoformat(): ["static_normal.ofs"]}),
    )
    for first, last, born, weight, shoe, referrer, conditions, visits in people:
        pid = store.add_patient(first, last, birth_date=born, conditions=conditions,
                                weight_kg=weight, shoe_size=shoe, referrer=referrer)
        for date, scans in visits.items():
            vid = store.add_visit(pid, date)
            # The earlier visit's scans were taken on its day, at this time of day.
            taken = now - (today - dt.date.fromisoformat(date))
            for scan in scans:
                store.add_scan(load(Path(str(samples.joinpath(scan)))), visit_id=vid,
                               source=scan, recorded=taken)
    # One scan waits in the kiosk queue, taken with a code issued for Jo Stand (a sample file
    # no visit above uses: the store keeps each recording once).
    jo = store.search_patients("Jo Stand")[0]["id"]
    store.add_scan(load(Path(str(samples.joinpath("static_cavus.ofs")))),
                   kiosk_code=store.issue_kiosk_code(jo), kiosk_name="Jo", source="kiosk")
    store.log_event("alert", "kiosk", {"message": "the kiosk mat stopped answering; check its "
                                              "cable (a demo alert)"})
    return store


def run(store_folder: str | None = None, *, demo: bool = False, screenshot: str | None = None,
        view: str = "patients", size: tuple[int, int] = (1280, 800)) -> int:
    """Start the application (or render one view to a PNG and exit).

    ``size`` is the window's (width, height) in pixels; a screenshot of the comparison shows
    the first patient with two visits.
    """
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no screen needed for a PNG
    app = QApplication.instance() or QApplication([])
    if demo or screenshot:
        folder = Path(store_folder) if store_folder else Path(tempfile.mkdtemp(
            prefix="orthofit-demo-"))
        store = demo_store(folder)
    else:
        store = Store(store_folder)
    window = MainWindow(store)
    window.resize(*size)
    if screenshot:
        patients = store.search_patients()
        first = patients[0]
        if view == "compare":
            first = next((p for p in patients if len(store.visits(p["id"])) > 1), first)
        window.patients.show_patient(first["id"])
        scans = [s for v in store.visits(first["id"]) for s in v["scans"]]
        if view not in ("patients", "capture") and scans:
            window.open_scan(scans[0]["id"])
        window.tabs.setCurrentIndex(VIEWS.index(view) if view in VIEWS else 0)
        window.show()
        if view == "capture":
            window.capture_view.toggle_connection()
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:  # let the live picture fill in
                app.processEvents()
                time.sleep(0.02)
        app.processEvents()
        ok = window.grab().save(screenshot)
        window.capture_view.disconnect_mat()
        window.close()
        _dispose(window)
        return 0 if ok else 1
    window.show()
    QTimer.singleShot(0, window.patients.search.setFocus)
    previous = sys.excepthook
    sys.excepthook = _store_errors_said(window, previous)
    try:
        code = app.exec()
    finally:
        sys.excepthook = previous
    _dispose(window)
    return code


def _store_errors_said(window: MainWindow, previous):  # noqa: ANN001, ANN202 - excepthooks
    """An excepthook that says a store's refusal in the status bar, never as a traceback.

    Every action reaches the store; the views catch what they expect, and this catches the rest
    (above all the server going away in the middle of a click): the user reads what happened,
    and what is open stays open.
    """
    def hook(kind, value, tb) -> None:  # noqa: ANN001 - sys.excepthook's signature
        if isinstance(value, StoreError):
            window.statusBar().showMessage(str(value), 30000)
            window.live.tick()  # the connection's state, as the feed sees it now
            return
        previous(kind, value, tb)

    return hook


def _dispose(window: MainWindow) -> None:
    """Delete the window (and its pictures) while the application still exists.

    Left to the end of :func:`run`, Python may free the application before the window's
    pyqtgraph items, and Qt then crashes on the way out.
    """
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)

