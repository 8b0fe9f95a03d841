"""The kiosk: a full-screen guided scan a patient does alone, in the waiting room.

One instruction per screen: welcome, name and visit code, step onto the mat (live outline and
guidance), the static scan with a countdown (it starts by itself once the stance is steady and
starts again if the patient steps off), optionally a walk across the plate, and thank you with
the arch type per foot. After a short idle time everything is cleared and the welcome screen
returns. The kiosk reaches the store only through :class:`~orthofit.kiosk.access.KioskStore`,
a door to a helper process that can file a scan and raise an alert but read nothing. Leaving
needs the administrator PIN; wrong PINs lock the staff screen for a time that grows, counted in
the store so that restarting the kiosk does not reset it.

The mat's faults are said kindly (and logged for staff); captures are staged and filed only
when complete, so a pulled cable, a patient stepping off, a full disk or a killed kiosk never
leaves half a scan in the store. When the clinic store cannot be reached (its server restarts,
the network is down), a finished capture stays staged on this computer, the patient sees the
"one moment" screen, the kiosk tries again every few seconds and files it as soon as the store
answers, and staff get one alert saying for how long it was away.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PyQt6.QtCore import QEvent, QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QKeySequence, QPainter, QPixmap, QShortcut
from PyQt6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from orthofit.capture.link import MatLink
from orthofit.errors import OrthofitError
from orthofit.gui.kiosk_widgets import (
    Keyboard,
    Pictogram,
    Screen,
    StandingMat,
    big_button,
    style_sheet,
)
from orthofit.gui.matview import LiveMat
from orthofit.kiosk.access import KioskStore
from orthofit.kiosk.flow import (
    RETRY_FILING_S,
    STORE_AWAY,
    CaptureJob,
    StoreOutage,
    clean_code,
    new_code,
    simple_result,
    walk_possible,
)
from orthofit.kiosk.guidance import Stance, stance_guidance
from orthofit.kiosk.pin import CHANGE_ADVICE

#: How long the stance must look right before the scan is armed (s).
READY_S = 0.5
SCREENS = ("welcome", "identify", "step_on", "scan", "walk_offer", "walk", "thanks",
           "mat_problem", "store_wait", "save_problem", "staff")


class KioskWindow(QWidget):
    """The kiosk's screens over one mat link and an add-only store.

    Parameters
    ----------
    kiosk : KioskStore
        Where scans go (and staff alerts); it cannot read anything back.
    link : MatLink
        The mat (or the emulated one).
    idle_s : float
        Back to the welcome screen after this long without a touch or anyone on the mat.
    thanks_s : float
        How long the thank-you screen stays.
    max_wait_s : float
        A scan that never gets a steady stance gives up after this long.
    """

    finished = pyqtSignal()

    def __init__(self, kiosk: KioskStore, link: MatLink, *, idle_s: float = 45.0,
                 thanks_s: float = 20.0, max_wait_s: float = 60.0) -> None:
        super().__init__()
        self.kiosk, self.link = kiosk, link
        self.max_wait_s = max_wait_s
        self.setWindowTitle("orthofit kiosk")
        self.reader = None
        self.job: CaptureJob | None = None
        self.code: str | None = None
        self.name = ""
        self.result_words: list[str] = []
        self.stance: Stance | None = None
        self.mat_ok = True
        self._resume = "welcome"
        self._ready_since: float | None = None
        self._empty_since: float | None = None
        self._restarts = 0
        self._unlocked = False
        self._last_index = -1
        # Finished captures the store could not take yet (staged here), oldest first, with
        # what the patient sees once it is filed: (path, recording, mode, code).
        self.unfiled: list[tuple] = []
        self.outage = StoreOutage()
        self._recover_pending = False
        self.screens: dict[str, Screen] = {}
        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._build()
        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(33)  # ~30 pictures a second; the mat may run faster
        self.tick_timer.timeout.connect(self._tick)
        self.reconnect_timer = QTimer(self)
        self.reconnect_timer.setInterval(2000)
        self.reconnect_timer.timeout.connect(self._reconnect)
        self.store_timer = QTimer(self)
        self.store_timer.setInterval(int(RETRY_FILING_S * 1000))
        self.store_timer.timeout.connect(self._retry_store)
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(int(idle_s * 1000))
        self.idle_timer.timeout.connect(self._idle)
        self.thanks_timer = QTimer(self)
        self.thanks_timer.setSingleShot(True)
        self.thanks_timer.setInterval(int(thanks_s * 1000))
        self.thanks_timer.timeout.connect(self.reset)
        QShortcut(QKeySequence("Ctrl+Alt+Q"), self, activated=lambda: self.show_screen("staff"))
        QApplication.instance().installEventFilter(self)
        self.show_screen("welcome")

    # -- the screens ------------------------------------------------------------------------

    def _screen(self, name: str, title: str, picture: QWidget, text: str = "", *,
                picture_share: float = 0.6) -> Screen:
        screen = Screen(name, title, picture, text, picture_share=picture_share)
        self.screens[name] = screen
        self.stack.addWidget(screen)
        return screen

    def _build(self) -> None:
        s = self._screen("welcome", "Welcome", Pictogram("feet"),
                         "Let's measure how you stand on your feet. It takes about a minute. "
                         "Please take off your shoes.")
        s.add_button("Start", primary=True).clicked.connect(lambda: self.show_screen("identify"))
        self.staff_button = big_button("Staff")
        self.staff_button.setObjectName("staff")
        self.staff_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.staff_button.clicked.connect(lambda: self.show_screen("staff"))
        s.layout().addWidget(self.staff_button, 0, Qt.AlignmentFlag.AlignRight)

        s = self._screen("identify", "Your visit code and name", Pictogram("card"),
                         "Type the 6-digit code from your appointment slip, and your first "
                         "name. No code? Tap \u201cI have no code\u201d.", picture_share=0.2)
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("Visit code (6 digits)")
        self.code_edit.setMaxLength(7)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("First name")
        self.name_edit.setMaxLength(40)
        self.identify_message = QLabel("")
        self.identify_message.setObjectName("small")
        self.identify_message.setWordWrap(True)
        self.keyboard = Keyboard()
        for w in (self.code_edit, self.name_edit, self.identify_message, self.keyboard):
            s.extra.addWidget(w)
        self._field = self.code_edit  # the code comes first
        self._made_code: str | None = None
        for edit in (self.name_edit, self.code_edit):
            edit.installEventFilter(self)
        self.keyboard.key.connect(self._key)
        s.add_button("Back").clicked.connect(self.reset)
        s.add_button("I have no code").clicked.connect(self._no_code)
        s.add_button("Next", primary=True).clicked.connect(self._identified)

        # Every mat picture a patient sees is in the patient colours (light to dark, as on
        # their report), the feet large on the standing screens, not the whole walkway.
        self.step_view = StandingMat(outline_width=3, patient_colours=True)
        s = self._screen("step_on", "Step onto the mat", self.step_view,
                         "Step onto the mat with both feet, side by side.")
        s.add_button("Cancel").clicked.connect(self.reset)

        self.scan_view = StandingMat(outline_width=3, patient_colours=True)
        s = self._screen("scan", "Scanning: please stand still", self.scan_view,
                         "Keep still, arms by your sides, and look ahead.")
        self.countdown = QLabel("")
        self.countdown.setObjectName("countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        s.extra.addWidget(self.countdown)

        s = self._screen("walk_offer", "One more, if you like: a walk", Pictogram("walk"),
                         "Walking across the mat shows your podiatrist how your feet roll "
                         "as you walk. It takes about ten seconds.")
        s.add_button("No, thank you").clicked.connect(lambda: self.show_screen("thanks"))
        s.add_button("Yes, walk", primary=True).clicked.connect(
            lambda: self.show_screen("walk"))

        self.walk_view = LiveMat(outline_width=3, patient_colours=True)
        s = self._screen("walk", "Walk across the mat", self.walk_view,
                         "Please step off the mat and go to its near end.")
        s.add_button("Skip the walk").clicked.connect(self._skip_walk)

        s = self._screen("thanks", "Thank you!", Pictogram("done"))
        self.code_label = QLabel("")
        self.code_label.setObjectName("code")
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setWordWrap(True)
        self.code_hint = QLabel("Tell this code at the reception.")
        self.code_hint.setObjectName("small")
        self.code_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        s.extra.addWidget(self.code_label)
        s.extra.addWidget(self.code_hint)
        s.add_button("Done", primary=True).clicked.connect(self.reset)

        self._screen("mat_problem", "One moment, please", Pictogram("plug"),
                     "The mat is not responding. We are trying to reconnect it. If this takes "
                     "more than a minute, please tell the reception.")

        s = self._screen("store_wait", "One moment, please", Pictogram("done"),
                         "Your scan is done and kept safe on this kiosk. We are sending it to "
                         "your podiatrist; this can take a moment. If it takes more than a "
                         "minute, please tell the reception.")
        s.add_button("Done").clicked.connect(self.reset)  # it is filed when the store is back

        s = self._screen("save_problem", "Sorry, your scan was not saved", Pictogram("disk"))
        s.add_button("Start again", primary=True).clicked.connect(self.reset)

        s = self._screen("staff", "Staff only", Pictogram("lock"),
                         "Enter the administrator PIN to leave the kiosk.", picture_share=0.3)
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText("PIN")
        self.pin_message = QLabel("")
        self.pin_message.setObjectName("small")
        self.pin_keys = Keyboard()
        self.pin_keys.show_letters(False)
        self.pin_keys.key.connect(lambda ch: self._type(self.pin_edit, ch))
        for w in (self.pin_edit, self.pin_message, self.pin_keys):
            s.extra.addWidget(w)
        s.add_button("Back").clicked.connect(self.reset)
        s.add_button("Leave the kiosk", primary=True).clicked.connect(self.try_pin)

    def current(self) -> str:
        """The name of the screen on show."""
        return self.stack.currentWidget().objectName()

    def show_screen(self, name: str) -> None:
        """Show a screen (and arm what it needs)."""
        if name == "thanks":
            self._show_thanks()
        if name == "walk":
            self._empty_since = None
            self.screens["walk"].text.setText("Please step off the mat and go to its near end.")
        if name == "staff":
            self.pin_edit.clear()
            self.pin_message.setText("")
        self.stack.setCurrentWidget(self.screens[name])
        self.idle_timer.start()
        if name == "thanks":
            self.thanks_timer.start()
        else:
            self.thanks_timer.stop()

    # -- identify ---------------------------------------------------------------------------

    @staticmethod
    def _type(edit: QLineEdit, ch: str) -> None:
        if ch == "\b":
            edit.backspace()
        else:
            edit.insert(ch)

    def _key(self, ch: str) -> None:
        field = self._field
        if field is self.code_edit and not (ch.isdigit() or ch == "\b"):
            return
        if field.text() and not field.text().endswith((" ", "-")):
            ch = ch.lower()  # a name is typed as "Anne-Marie", not "ANNE-MARIE"
        self._type(field, ch)

    def _no_code(self) -> None:
        self.code = new_code()
        self._made_code = self.code
        self.code_edit.setText(self.code)
        self.identify_message.setText("We made a new code for you; you will see it at the "
                                      "end. Type your first name, then tap Next.")
        self._field = self.name_edit
        self.keyboard.show_letters(True)

    def _identified(self) -> None:
        name = self.name_edit.text().strip()
        code = clean_code(self.code_edit.text())
        if code is None:
            self.identify_message.setText("A visit code has 6 digits. No code? Tap "
                                          "\u201cI have no code\u201d.")
            self._field = self.code_edit
            return
        # A code the desktop issued names the patient already; a code made here needs the
        # name, or the podiatrist could not tell whose scan it is.
        if not name and code == self._made_code:
            self.identify_message.setText("Please type your first name, so that we know the "
                                          "scan is yours.")
            self._field = self.name_edit
            return
        self.name, self.code = name, code
        self.identify_message.setText("")
        self._restarts = 0
        self.screens["step_on"].text.setText("Step onto the mat with both feet, side by side.")
        self.show_screen("step_on")

    # -- the mat ----------------------------------------------------------------------------

    def start(self) -> None:
        """Open the mat, tidy what a stopped kiosk left, and start watching."""
        self._recover()
        try:
            if self.kiosk.pin_state() == "change":
                # Said to staff only (the desktop lists it): a patient must not learn it is short.
                self.kiosk.alert(CHANGE_ADVICE)
        except STORE_AWAY:
            self._store_down()
        try:
            self.reader = self.link.open(2.0)
        except OrthofitError as exc:
            self._mat_down(str(exc))
        self.tick_timer.start()

    def stop(self) -> None:
        """Stop the capture, the reader and the timers (the kiosk is closing)."""
        for timer in (self.tick_timer, self.reconnect_timer, self.idle_timer, self.thanks_timer,
                      self.store_timer):
            timer.stop()
        self._cancel_job(reopen=False)
        if self.reader is not None:
            self.reader.stop()
            self.reader = None
        self.link.close()

    def _mat_down(self, why: str) -> None:
        if self.mat_ok:
            self.mat_ok = False
            # A patient mid-way goes back to stepping on (or to the walk); anyone else starts over.
            back = {"step_on": "step_on", "scan": "step_on", "walk": "walk",
                    "store_wait": "store_wait"}
            self._resume = back.get(self.current(), "welcome") if self.code else "welcome"
            self.kiosk.alert(f"the kiosk mat stopped answering: {why}")
            self.show_screen("mat_problem")
        if not self.reconnect_timer.isActive():  # (re)starting it every tick would never fire
            self.reconnect_timer.start()

    def _mat_up(self) -> None:
        self.mat_ok = True
        self.reconnect_timer.stop()
        self.kiosk.alert("the kiosk mat is answering again")
        self.show_screen(self._resume if self.code else "welcome")

    def _reconnect(self) -> None:
        if self.reader is not None and self.reader.is_alive():
            return  # open but silent: waiting for frames
        try:
            self.reader = self.link.open(2.0)
        except OrthofitError:
            self.reader = None  # still away: try again in 2 s

    def _tick(self) -> None:
        reader = self.reader
        if reader is None:
            return
        if self.job is None:
            for fault in reader.drain():  # nothing records: frames are only shown
                if fault.kind == "timeout":
                    self._mat_down(fault.message)
            if not reader.is_alive():
                self._mat_down("the link closed (unplugged or switched off?)")
                return
        item = reader.latest.get()
        fresh = item is not None and item.index != self._last_index
        if fresh:
            self._last_index = item.index
            kpa = reader.profile.calibration.to_kpa(item.frame.counts)
            pitch = reader.profile.pitch_mm
            self.stance = stance_guidance(kpa, pitch)
            view = {"step_on": self.step_view, "scan": self.scan_view,
                    "walk": self.walk_view}.get(self.current())
            if view is not None:
                view.show_kpa(kpa, pitch)
            if self.stance.state != "empty" and self.current() != "welcome":
                self.idle_timer.start()  # someone is on the mat: not idle
        if not self.mat_ok:
            if fresh:
                self._mat_up()
            return
        if self.job is not None and not self.job.is_alive():
            self._job_done()
            return
        if fresh:
            getattr(self, f"_on_{self.current()}", lambda: None)()

    # -- the scans --------------------------------------------------------------------------

    def _on_step_on(self) -> None:
        stance = self.stance
        text = self.screens["step_on"].text
        # After a step off the words say why the scan starts again for as long as the patient
        # is back at this screen (the next frame's guidance must not wipe them out).
        prefix = "You stepped off the mat, so we start again. " if self._restarts else ""
        if self.job is not None:
            if self.job.trigger.start is not None:
                self.show_screen("scan")
            elif stance.state != "ready":
                text.setText(prefix + stance.words)
            return
        text.setText(prefix + stance.words)
        now = time.monotonic()
        if stance.state != "ready":
            self._ready_since = None
        elif self._ready_since is None:
            self._ready_since = now
        elif now - self._ready_since >= READY_S:
            self._start_job("static")
            text.setText("Stand still... the scan starts in a moment.")

    def _on_scan(self) -> None:
        job = self.job
        if job is None:
            return
        if job.trigger.restarts > self._restarts:  # stepped off: the capture starts again
            self._restarts = job.trigger.restarts
            self.screens["step_on"].text.setText(
                "You stepped off the mat, so we start again. " + self.stance.words)
            self.show_screen("step_on")
            return
        left = job.seconds_left()
        self.countdown.setText("" if left is None else str(max(1, math.ceil(left - 1e-6))))

    def _on_walk(self) -> None:
        text = self.screens["walk"].text
        if self.job is not None:
            if self.job.trigger.start is not None:
                text.setText("Keep walking to the far end of the mat, then step off.")
            return
        if self.stance.state != "empty":
            self._empty_since = None
            text.setText("Please step off the mat and go to its near end.")
            return
        now = time.monotonic()
        self._empty_since = self._empty_since or now
        if now - self._empty_since >= READY_S:
            self._start_job("walk")
            text.setText("Now walk across the mat at your normal pace.")

    def _start_job(self, mode: str) -> None:
        try:
            self.job = CaptureJob(self.reader, self.kiosk, self.code, self.name, mode,
                                  max_wait_s=self.max_wait_s)
        except OSError as exc:  # cannot even write the ticket: the disk is full
            return self._save_problem(f"The scan cannot be saved ({exc.strerror or exc}).")
        self._ready_since = None
        self.job.start()
        return None

    def _cancel_job(self, *, reopen: bool = True) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.stop_event.set()
            job.join(5.0)
            self.kiosk.discard(job.path)
            if reopen:  # the capture stopped the reader; the kiosk goes on watching the mat
                self._reopen()

    def _reopen(self) -> None:
        """A capture stops its reader; the next step needs a fresh one."""
        try:
            self.reader = self.link.open(2.0)
        except OrthofitError as exc:
            self.reader = None
            self._mat_down(str(exc))

    def _job_done(self) -> None:
        job, self.job = self.job, None
        if job.recording is not None:
            try:
                self.kiosk.file_staged(job.path)
            except STORE_AWAY:
                # Kept staged, filed when the store answers: the patient waits a moment. (The
                # same code's same trial again replaced the one staged before: one entry.)
                self.unfiled = [u for u in self.unfiled if u[0] != job.path]
                self.unfiled.append((job.path, job.recording, job.mode, self.code))
                self._store_down()
                self._reopen()  # the capture stopped the reader; the mat is watched meanwhile
                if self.mat_ok:
                    self.show_screen("store_wait")
                return None
            except (OrthofitError, OSError) as exc:
                self.kiosk.discard(job.path)
                return self._save_problem(f"{exc}.")
            self._store_answered()
            self._reopen()
            self._go_on(job.recording, job.mode)
            return None
        if job.problem_kind == "mat":
            self.reader = None
            self._mat_down(job.problem or "")
        elif job.problem_kind == "disk":
            self._save_problem(job.problem or "")
        elif job.mode == "walk" and self.result_words:
            self._reopen()
            self.show_screen("thanks")  # nobody walked: the standing scan is stored already
        else:
            self._reopen()
            self.reset()
        return None

    def _go_on(self, rec, mode: str) -> None:  # noqa: ANN001 - a Recording
        """A scan is filed: the next screen (after the mat returns, if it is away)."""
        nxt = "thanks"
        if mode == "static":
            try:
                thresholds = self.kiosk.thresholds_name()
            except STORE_AWAY:  # away again this very moment: the shipped cut-offs
                thresholds = "default"
            self.result_words = simple_result(rec, thresholds)
            if walk_possible(self.link.profile, rec.frames.shape[1]):
                nxt = "walk_offer"
        if self.mat_ok:
            self.show_screen(nxt)
        else:
            self._resume = nxt  # the scan is filed: after the mat returns, go on from here

    # -- the clinic store away ---------------------------------------------------------------

    def _store_down(self) -> None:
        """The store did not answer: note since when, and try again every few seconds."""
        self.outage.down()
        if not self.store_timer.isActive():
            self.store_timer.start()

    def _store_answered(self) -> None:
        """The store answered: staff hear once how long it was away."""
        said = self.outage.up()
        if said:
            self.kiosk.alert(said)

    def _recover(self) -> None:
        """Tidy what a stopped kiosk left (now, or once the store answers)."""
        try:
            done = self.kiosk.recover()
        except STORE_AWAY:
            self._recover_pending = True
            self._store_down()
            return
        self._recover_pending = False
        if done:
            self.kiosk.alert("kiosk started after an interruption: " + "; ".join(done))

    def _waiting_for(self, code: str | None) -> bool:
        """Whether the patient with this code is still at the kiosk, waiting for their scan."""
        if code is None or self.code != code:
            return False
        return self.current() == "store_wait" or (not self.mat_ok and
                                                  self._resume == "store_wait")

    def _retry_store(self) -> None:
        """File what waits, oldest first; the patient still waiting goes on when theirs is."""
        while self.unfiled:
            path, rec, mode, code = self.unfiled[0]
            try:
                self.kiosk.file_staged(path)
            except STORE_AWAY:
                return  # still away: the timer tries again
            except (OrthofitError, OSError) as exc:  # the capture itself is wrong: said, gone
                self.unfiled.pop(0)
                self.kiosk.discard(path)
                if self._waiting_for(code):
                    self._save_problem(f"{exc}.")
                else:
                    self.kiosk.alert(f"a kiosk scan could not be saved: {exc}", code=code)
                continue
            self.unfiled.pop(0)
            if self._waiting_for(code) and not any(c == code for *_x, c in self.unfiled):
                self._go_on(rec, mode)
        if self._recover_pending:
            self._recover()
            if self._recover_pending:
                return
        self.store_timer.stop()
        self._store_answered()

    def _skip_walk(self) -> None:
        self._cancel_job()
        self.show_screen("thanks")

    def _save_problem(self, problem: str) -> None:
        self.kiosk.alert(f"a kiosk scan could not be saved: {problem}", code=self.code)
        self.screens["save_problem"].text.setText(
            f"{problem} Please tell the reception; nothing of your scan was kept.")
        if self.reader is None or not self.reader.is_alive():
            self._reopen()
        self.show_screen("save_problem")

    def _show_thanks(self) -> None:
        screen = self.screens["thanks"]
        screen.title.setText(f"Thank you, {self.name}!" if self.name else "Thank you!")
        screen.text.setText("\n".join(self.result_words))
        self.code_label.setText(f"Your visit code: {self.code[:3]} {self.code[3:]}"
                                if self.code else "")

    # -- idle, reset and leaving ------------------------------------------------------------

    def _idle(self) -> None:
        if self.current() == "mat_problem":
            self._clear()
            self._resume = "welcome"
        elif self.current() != "welcome":
            self.reset()

    def _clear(self) -> None:
        self._cancel_job()
        self.code, self.name, self.result_words = None, "", []
        self._restarts = 0
        self._ready_since = self._empty_since = None
        for edit in (self.name_edit, self.code_edit, self.pin_edit):
            edit.clear()
        self.identify_message.setText("")
        self._field, self._made_code = self.code_edit, None
        # Hidden screens keep their text: the next patient must find nothing of this one.
        for label in (self.countdown, self.code_label, self.screens["thanks"].text,
                      self.screens["save_problem"].text):
            label.setText("")
        self.screens["thanks"].title.setText("Thank you!")
        for view in (self.step_view, self.scan_view, self.walk_view):
            view.image.clear()
            view.outline.setData([], [])
        for view in (self.step_view, self.scan_view):
            view.window_rc = None  # the next patient's feet choose where to look

    def reset(self) -> None:
        """Forget the patient and go back to the welcome screen."""
        self._clear()
        self.show_screen("welcome" if self.mat_ok else "mat_problem")

    def try_pin(self) -> bool:
        """Check the PIN typed on the staff screen; the right one closes the kiosk."""
        try:
            answer = self.kiosk.check_pin(self.pin_edit.text())
        except OrthofitError as exc:
            self.pin_edit.clear()
            self.pin_message.setText(f"The PIN cannot be checked now ({exc}).")
            return False
        self.pin_edit.clear()
        if answer.ok:
            self._unlocked = True
            self.stop()
            self.finished.emit()
            self.close()
            return True
        if answer.locked_s > 0:
            self.pin_message.setText(f"Too many wrong PINs: wait {_wait(answer.locked_s)}.")
        else:
            self.pin_message.setText("That PIN is not right.")
        return False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Any touch keeps the kiosk awake; tapping a field chooses where the keys type."""
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress):
            if self.current() != "welcome":
                self.idle_timer.start()
        if kind in (QEvent.Type.FocusIn, QEvent.Type.MouseButtonPress) and \
                obj in (self.name_edit, self.code_edit):
            self._field = obj
            self.keyboard.show_letters(obj is self.name_edit)
        return False

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        """Escape does not leave the kiosk."""
        if event.key() != Qt.Key.Key_Escape:
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        """Only the PIN closes the kiosk."""
        if self._unlocked:
            QApplication.instance().removeEventFilter(self)
            event.accept()
        else:
            event.ignore()
            self.show_screen("staff")

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        """Type and buttons sized for the screen; picture beside the words when it is wide."""
        size = event.size()
        self.setStyleSheet(style_sheet(size.width(), size.height()))
        for screen in self.screens.values():
            screen.set_landscape(size.width() > size.height())
        super().resizeEvent(event)


def _wait(seconds: float) -> str:
    """A lock's time left, as a person would say it."""
    seconds = max(seconds - 0.001, 1.0)  # rounding must not make a minute "61 s"
    if seconds < 90:
        return f"{math.ceil(seconds)} s"
    return f"{math.ceil(seconds / 60)} minutes"


def _screenshots(window: KioskWindow, folder: str, size: tuple[int, int]) -> list[str]:
    """Every screen with example content, as PNGs named ``kiosk-<screen>-<w>x<h>.png``."""
    from pathlib import Path

    from orthofit.kiosk.flow import KIOSK_MAT, patient_script
    from orthofit.model import Recording

    app = QApplication.instance()
    pitch = KIOSK_MAT.pitch_mm
    one_foot = patient_script([("one_foot", 0.1)])[0]
    standing = patient_script([("stand", 3.0)])
    walking = patient_script([("walk", 0.0)])
    window.resize(*size)
    window.show()
    window.name, window.code = "Anne", "381907"
    window.name_edit.setText("Anne")
    window.code_edit.setText("381 907")
    window.step_view.show_kpa(one_foot, pitch)
    window.screens["step_on"].text.setText(stance_guidance(one_foot, pitch).words)
    window.scan_view.show_kpa(standing[0], pitch)
    window.countdown.setText("2")
    heavy = walking[int(np.argmax((walking > 5).sum(axis=(1, 2))))]
    window.walk_view.show_kpa(heavy, pitch)
    window.screens["walk"].text.setText("Now walk across the mat at your normal pace.")
    rec = Recording(standing, np.arange(len(standing)) / 50.0, pitch, mode="static")
    window.result_words = simple_result(rec, "default")
    window.screens["save_problem"].text.setText(
        "The scan cannot be saved: the computer's disk is full. Please tell the reception; "
        "nothing of your scan was kept.")
    out, pictures = [], []
    for name in SCREENS:
        window.show_screen(name)
        app.processEvents()
        path = Path(folder) / f"kiosk-{name}-{size[0]}x{size[1]}.png"
        picture = window.grab()
        picture.save(str(path))
        pictures.append(picture)
        out.append(str(path))
    # One sheet with every screen at a quarter size, for the README.
    cols = 5 if size[1] > size[0] else 4
    w, h, gap = size[0] // 4, size[1] // 4, 8
    rows = math.ceil(len(pictures) / cols)
    sheet = QPixmap(cols * w + (cols - 1) * gap, rows * h + (rows - 1) * gap)
    sheet.fill(QColor(150, 150, 150))
    painter = QPainter(sheet)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    for i, picture in enumerate(pictures):
        painter.drawPixmap((i % cols) * (w + gap), (i // cols) * (h + gap), w, h, picture)
    painter.end()
    path = Path(folder) / f"kiosk-all-{size[0]}x{size[1]}.png"
    sheet.save(str(path))
    return [*out, str(path)]


def run(kiosk: KioskStore, link: MatLink, *, fullscreen: bool = True, idle_s: float = 45.0,
        screenshot: str | None = None, size: tuple[int, int] = (1080, 1920)) -> int:
    """Run the kiosk until staff leave it with the PIN (or write its screens to PNGs)."""
    import os

    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no screen needed for PNGs
    app = QApplication.instance() or QApplication([])
    window = KioskWindow(kiosk, link, idle_s=idle_s)
    if screenshot:
        try:
            for path in _screenshots(window, screenshot, size):
                print(path)
        finally:
            window._unlocked = True
            window.stop()
            window.close()
        return 0
    window.finished.connect(app.quit)
    if fullscreen:
        window.showFullScreen()
        window.setCursor(Qt.CursorShape.BlankCursor)  # a touch screen: no pointer
    else:
        window.resize(*size)
        window.show()
    window.start()
    return app.exec()
