"""One kiosk scan, start to finish, without a screen: identify, capture, file, say the result.

The full-screen kiosk (``orthofit.gui.kiosk``) drives the same pieces; ``orthofit kiosk --once``
runs them unattended, the emulator's foot model playing the patient, which is how the flow is
tested end to end. Nothing of any other patient is read: the kiosk only adds to the store's
kiosk queue, through :class:`~orthofit.kiosk.access.KioskStore`. A visit code is six digits
wherever it comes from (:func:`orthofit.store.visit_code`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import secrets
import threading
import time

import numpy as np

from orthofit import footmodel as fm
from orthofit.analysis.pipeline import analyze_recording
from orthofit.capture.link import MatLink
from orthofit.capture.modes import Trigger, trigger_for
from orthofit.capture.recorder import CaptureError, capture
from orthofit.drivers.reader import MatReader
from orthofit.errors import OrthofitError
from orthofit.io.ofs import load_ofs
from orthofit.io.profiles import load_mat_profile, load_thresholds
from orthofit.kiosk.access import KioskStore
from orthofit.matprofile import MatProfile
from orthofit.model import Recording
from orthofit.store.store import StoreError, StoreUnavailable, visit_code

try:  # the door's own word for it (the helper process cannot reach the store's server)
    from orthofit.kiosk.access import KioskStoreUnavailable
except ImportError:  # a door without it says it with the store's own
    KioskStoreUnavailable = StoreUnavailable  # type: ignore[assignment, misc]

#: What the door raises when the clinic store cannot be reached just now: nothing was changed,
#: a staged capture stays staged, and the same request may be made again later.
STORE_AWAY = (KioskStoreUnavailable, StoreUnavailable)

ARCH_WORDS = {"low": "a low (flat) arch", "normal": "a normal arch", "high": "a high arch"}
#: The emulated kiosk mat: 1.0 m x 0.5 m at 5.08 mm, room to stand and for two walking steps.
KIOSK_MAT = fm.Mat(197, 98, (5.08, 5.08))
#: A walk needs a plate at least this long (mm) to catch a whole step.
WALK_PLATE_MM = 900.0
#: Seconds the static scan records once the stance is steady.
STATIC_S = 3.0
#: How often a kiosk tries again to file a capture while the store cannot be reached (s).
RETRY_FILING_S = 2.0


@dataclasses.dataclass
class KioskResult:
    """What the thank-you screen shows, and where the scan went."""

    code: str
    scan_id: int
    frames: int
    words: list[str]

    def to_dict(self) -> dict:
        """JSON-ready."""
        return dataclasses.asdict(self)


def new_code() -> str:
    """A six-digit visit code for a patient without one (to tell the podiatrist)."""
    return f"{secrets.randbelow(10**6):06d}"


def clean_code(text: str) -> str | None:
    """The visit code typed (six digits, spaces and dashes ignored), or None if it is not one."""
    try:
        return visit_code(text)
    except StoreError:
        return None


def result_words(analysis) -> list[str]:  # noqa: ANN001
    """The arch type per foot, in plain words; nothing the scan cannot support.

    A foot whose arch type is uncertain (its print lies too close to a cut-off) gets no type:
    the podiatrist looks at it with the patient.
    """
    words = []
    for foot in analysis.feet:
        arch = foot.classification.get("arch_type")
        if arch in ARCH_WORDS:
            words.append(f"Your {foot.side} foot has {ARCH_WORDS[arch]}.")
        elif arch == "uncertain":
            words.append(f"Your podiatrist will look at the arch of your {foot.side} foot "
                         "with you.")
    if not words:
        words.append("We could not measure your feet this time; we will scan them again.")
    words.append("Your podiatrist will go through it with you.")
    return words


def walk_possible(profile: MatProfile, rows: int | None = None) -> bool:
    """Whether the mat is long enough for a walk across it (``rows``: the streamed size)."""
    return (rows or profile.rows or 0) * profile.pitch_mm[0] >= WALK_PLATE_MM


def patient_script(phases: list[tuple[str, float]], *, foot: str = "normal",
                   rate_hz: float = 50.0, mat: fm.Mat = KIOSK_MAT, seed: int = 0) -> np.ndarray:
    """Frames (kPa) of an emulated patient: ``empty``, ``one_foot``, ``stand``, ``walk`` phases.

    Each phase is (kind, seconds); a walk lasts as long as its two steps take.
    """
    shape = fm.named_foot(foot)
    left, right = fm.standing_placements(shape, mat)
    parts = []
    for i, (kind, seconds) in enumerate(phases):
        if kind == "empty":
            n = max(1, round(seconds * rate_hz))
            rng = np.random.default_rng(seed + i)
            parts.append(np.clip(rng.normal(0.0, 1.0, (n, mat.rows, mat.cols)), 0, None))
            continue
        if kind == "walk":
            rec, _ = fm.walk_trial(foot, mat=mat, rate_hz=rate_hz, n_steps=2, seed=seed + i)
        else:
            feet = [(shape, left)] if kind == "one_foot" else [(shape, left), (shape, right)]
            rec, _ = fm.render_stance(feet, mat, rate_hz=rate_hz, duration_s=seconds,
                                      noise_kpa=1.0, sway_mm=2.0, oversample=3, seed=seed + i)
        parts.append(rec.frames)
    return np.concatenate(parts).astype(np.float32)


#: The emulated patient of the interactive kiosk: arrives, one foot, stands, leaves, walks.
DEMO_PHASES = [("empty", 3.0), ("one_foot", 2.0), ("stand", 9.0), ("empty", 2.0),
               ("walk", 0.0), ("empty", 3.0)]


class CaptureJob(threading.Thread):
    """Record one kiosk trial into the staging folder (a thread; no Qt).

    A static trial waits for a steady stance, records :data:`STATIC_S` seconds and starts again
    if the patient steps off; a walk waits for the first step. When it ends, ``recording`` holds
    the complete scan (still staged: :meth:`KioskStore.file_staged` files it), or ``problem``
    says in words what went wrong (``problem_kind``: ``mat``, ``disk``, ``nobody``) and the
    staged files are gone: nothing half-saved.
    """

    def __init__(self, reader: MatReader, kiosk: KioskStore, code: str, name: str,
                 mode: str = "static", *, max_wait_s: float = 60.0) -> None:
        super().__init__(name=f"kiosk-{mode}", daemon=True)
        self.reader, self.kiosk, self.mode = reader, kiosk, mode
        self.trigger: Trigger = trigger_for(mode, seconds=STATIC_S if mode == "static" else None)
        self.trigger.max_wait_s = max_wait_s
        self.trigger.restart_on_step_off = mode == "static"
        self.path = kiosk.staging_path(code, name, mode)
        self.stop_event = threading.Event()
        self.progress_s: float | None = None
        self.recording: Recording | None = None
        self.problem: str | None = None
        self.problem_kind: str | None = None

    def seconds_left(self) -> float | None:
        """Seconds of the static recording still to go (None before it starts)."""
        t = self.trigger
        if t.start is None or t._t0 is None or self.progress_s is None:
            return None
        return max(t.duration_s - (self.progress_s - t._t0), 0.0)

    def _fail(self, kind: str, text: str) -> None:
        self.problem_kind, self.problem = kind, text
        self.kiosk.discard(self.path)

    def run(self) -> None:  # noqa: D102 - Thread API
        def on_frame(_i: int, t: float) -> None:
            self.progress_s = t

        try:
            result = capture(self.reader, self.path, self.trigger, mode=self.mode,
                             on_frame=on_frame, stop_event=self.stop_event)
        except CaptureError:
            return self._fail("mat", "The mat is not sending anything.")
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                return self._fail("disk", "The scan cannot be saved: the computer's disk is "
                                          "full.")
            return self._fail("disk", f"The scan cannot be saved ({exc.strerror or exc}).")
        if result.complete:
            self.recording = load_ofs(result.path)
            return None
        if self.stop_event.is_set():
            return self._fail("stopped", "The scan was cancelled.")
        if any(f["kind"] in ("disconnected", "timeout", "error", "mismatch")
               for f in result.faults):
            return self._fail("mat", "The mat stopped sending during the scan.")
        return self._fail("nobody", "Nobody stood on the mat.")


class StoreOutage:
    """When the kiosk could not reach the clinic store: for the one alert staff get about it.

    :meth:`down` at every failure (the first one starts the outage), :meth:`up` once a request
    went through again: it returns the alert's words once per outage, None otherwise. Times are
    the kiosk's local time (``clock`` gives now, aware).

    Examples
    --------
    >>> import datetime as dt
    >>> times = iter([dt.datetime(2026, 3, 2, 14, 2), dt.datetime(2026, 3, 2, 14, 5)])
    >>> outage = StoreOutage(clock=lambda: next(times))
    >>> outage.down()
    True
    >>> outage.up()
    'the clinic store was unreachable from the kiosk from 14:02 to 14:05'
    >>> outage.up() is None
    True
    """

    def __init__(self, clock=None) -> None:  # noqa: ANN001 - a function giving a datetime
        self.clock = clock or (lambda: dt.datetime.now().astimezone())
        self.since: dt.datetime | None = None

    def down(self) -> bool:
        """The store did not answer: whether this starts an outage."""
        if self.since is not None:
            return False
        self.since = self.clock()
        return True

    def up(self) -> str | None:
        """The store answered: the alert for staff if it had not, else None."""
        if self.since is None:
            return None
        since, now = self.since, self.clock()
        self.since = None
        fmt = "%H:%M" if since.date() == now.date() else "%Y-%m-%d %H:%M"
        return (f"the clinic store was unreachable from the kiosk from {since:{fmt}} to "
                f"{now:{fmt}}")


def file_when_reachable(kiosk: KioskStore, path: str, *, wait_s: float,
                        outage: StoreOutage | None = None,
                        retry_s: float = RETRY_FILING_S) -> int | None:
    """File a staged capture, trying again for up to ``wait_s`` while the store is away.

    Raises the door's :data:`STORE_AWAY` error when it is still away then: the capture stays
    staged (the kiosk's next start files it). Once it went through after the store was away,
    staff get one alert saying for how long.
    """
    outage = outage or StoreOutage()
    deadline = time.monotonic() + wait_s
    while True:
        try:
            scan_id = kiosk.file_staged(path)
        except STORE_AWAY:
            outage.down()
            if time.monotonic() + retry_s > deadline:
                raise
            time.sleep(retry_s)
            continue
        said = outage.up()
        if said:
            kiosk.alert(said)
        return scan_id


def simple_result(rec: Recording, thresholds_name: str) -> list[str]:
    """The thank-you screen's words for a scan."""
    try:
        thresholds = load_thresholds(thresholds_name)
    except OrthofitError:
        thresholds = load_thresholds("default")
    return result_words(analyze_recording(rec, thresholds))


def run_once(kiosk: KioskStore, *, code: str | None = None, name: str = "",
             port: str | None = None, profile_name: str = "ofp1-generic", foot: str = "normal",
             wait_s: float = 30.0, store_wait_s: float = 60.0) -> KioskResult:
    """One static scan from the mat (or, without ``port``, an emulated patient), into the queue.

    A store that cannot be reached is waited for up to ``store_wait_s``; after that the scan
    stays staged on this computer and the kiosk's next start files it.
    """
    code = new_code() if code is None else visit_code(code)
    profile = load_mat_profile(profile_name)
    frames = None if port is not None else patient_script(
        [("empty", 1.0), ("stand", 6.0)], foot=foot)
    link = MatLink(profile, port, frames_kpa=frames)
    try:
        job = CaptureJob(link.open(), kiosk, code, name, "static", max_wait_s=wait_s)
        job.run()  # in this thread: nothing else to do meanwhile
    finally:
        link.close()
    if job.recording is None:
        raise OrthofitError(f"{job.problem} Nothing was stored.")
    try:
        scan_id = file_when_reachable(kiosk, str(job.path), wait_s=store_wait_s)
    except STORE_AWAY as exc:
        raise OrthofitError(f"{exc}. The scan is kept on this computer ({job.path.name}) and "
                            "filed when the kiosk starts again with the store in reach."
                            ) from exc
    return KioskResult(code, -1 if scan_id is None else scan_id, job.recording.n_frames,
                       simple_result(job.recording, kiosk.thresholds_name()))

