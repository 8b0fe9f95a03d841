"""The kiosk's building blocks: a screen with one instruction, pictures, an on-screen keyboard.

Everything is sized from the window (touch-sized buttons, large type) and laid out for a
portrait or a landscape screen: picture above the words when the screen is tall, beside them
when it is wide.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QPainter, QPainterPath, QPen
from PyQt6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from orthofit.capture.modes import LOADED_KPA
from orthofit.gui.matview import LiveMat

ACCENT = QColor(0, 122, 128)  # calm teal, readable on white
INK = QColor(40, 40, 40)
SOFT = QColor(222, 238, 239)
WARN = QColor(176, 96, 0)


def big_button(text: str, *, primary: bool = False) -> QPushButton:
    """A touch-sized button (its size comes from the window's style sheet)."""
    button = QPushButton(text)
    button.setProperty("primary", primary)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # touch screens: no focus rectangles
    return button


def _foot_path(x: float, y: float, length: float, mirror: bool) -> QPainterPath:
    """A footprint (heel, lateral band, forefoot, toes) with its heel centre at (x, y)."""
    w = 0.38 * length
    s = -1 if mirror else 1
    path = QPainterPath()
    path.addEllipse(QPointF(x, y), 0.17 * length, 0.16 * length)  # heel
    path.addRoundedRect(QRectF(x + s * 0.02 * length - 0.1 * length, y - 0.5 * length,
                               0.2 * length, 0.45 * length), 0.08 * length, 0.08 * length)
    path.addEllipse(QPointF(x - s * 0.03 * length, y - 0.62 * length), w / 2, 0.14 * length)
    for i, (dx, r) in enumerate(((-0.14, 0.075), (-0.02, 0.05), (0.07, 0.045), (0.14, 0.04),
                                 (0.2, 0.035))):
        path.addEllipse(QPointF(x + s * dx * length - s * 0.02 * length,
                                y - (0.86 - 0.03 * i) * length), r * length, r * length)
    return path


class Pictogram(QWidget):
    """A simple drawing for a screen: feet, card, walk, done, plug, lock or disk."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, _event) -> None:  # noqa: ANN001, N802 - Qt API
        """Draw the picture centred in a square."""
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height()) * 0.9
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        getattr(self, f"_draw_{self.kind}")(p, box)
        p.end()

    def _mat(self, p: QPainter, box: QRectF) -> None:
        p.setPen(QPen(ACCENT, box.width() * 0.015))
        p.setBrush(SOFT)
        p.drawRoundedRect(box.adjusted(box.width() * 0.12, 0, -box.width() * 0.12, 0), 12, 12)

    def _draw_feet(self, p: QPainter, box: QRectF) -> None:
        self._mat(p, box)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ACCENT)
        length = box.height() * 0.5
        cy = box.center().y() + 0.4 * length
        for dx, mirror in ((-0.14, True), (0.14, False)):
            p.drawPath(_foot_path(box.center().x() + dx * box.width(), cy, length, mirror))

    def _draw_walk(self, p: QPainter, box: QRectF) -> None:
        self._mat(p, box)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ACCENT)
        length = box.height() * 0.3
        for i, (dx, mirror) in enumerate(((-0.08, True), (0.08, False))):
            p.drawPath(_foot_path(box.center().x() + dx * box.width(),
                                  box.bottom() - 0.12 * box.height() - i * 0.42 * box.height(),
                                  length, mirror))
        p.setPen(QPen(INK, box.width() * 0.02))
        x = box.right() - 0.2 * box.width()
        p.drawLine(QPointF(x, box.bottom() - 0.1 * box.height()),
                   QPointF(x, box.top() + 0.1 * box.height()))
        p.drawLine(QPointF(x, box.top() + 0.1 * box.height()),
                   QPointF(x - 0.05 * box.width(), box.top() + 0.18 * box.height()))
        p.drawLine(QPointF(x, box.top() + 0.1 * box.height()),
                   QPointF(x + 0.05 * box.width(), box.top() + 0.18 * box.height()))

    def _draw_card(self, p: QPainter, box: QRectF) -> None:
        """The appointment slip: its look, and blanks where the code goes, never digits.

        Digits on the picture (an example code) next to the field where the patient types
        their own could be taken for theirs, so the code is six empty places.
        """
        slip = QRectF(box.left() + 0.14 * box.width(), box.top() + 0.06 * box.height(),
                      0.72 * box.width(), 0.88 * box.height())
        p.setPen(QPen(ACCENT, max(2.0, box.width() * 0.015)))
        p.setBrush(QColor(255, 255, 255))
        p.drawRoundedRect(slip, 8, 8)
        # Lines of print: the clinic's name, "Your code for the foot scan kiosk".
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(SOFT.darker(115))
        for top, width in ((0.1, 0.5), (0.22, 0.74)):
            p.drawRoundedRect(QRectF(slip.center().x() - width * slip.width() / 2,
                                     slip.top() + top * slip.height(), width * slip.width(),
                                     0.045 * slip.height()), 3, 3)
        # The code's six places, as boxes with a blank line in each.
        cell = slip.width() * 0.11
        gap = slip.width() * 0.025
        left = slip.center().x() - (6 * cell + 5 * gap + 2 * gap) / 2
        top = slip.top() + 0.4 * slip.height()
        p.setPen(QPen(ACCENT, max(2.0, cell * 0.08)))
        p.setBrush(SOFT)
        for k in range(6):
            x = left + k * (cell + gap) + (2 * gap if k >= 3 else 0.0)  # "_ _ _  _ _ _"
            p.drawRoundedRect(QRectF(x, top, cell, cell * 1.35), 4, 4)
            p.drawLine(QPointF(x + 0.22 * cell, top + 1.05 * cell),
                       QPointF(x + 0.78 * cell, top + 1.05 * cell))
        # The three steps printed under the code.
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(SOFT.darker(108))
        for k in range(3):
            p.drawRoundedRect(QRectF(slip.left() + 0.12 * slip.width(),
                                     slip.top() + (0.68 + 0.09 * k) * slip.height(),
                                     (0.76 - 0.12 * (k % 2)) * slip.width(),
                                     0.04 * slip.height()), 3, 3)

    def _draw_done(self, p: QPainter, box: QRectF) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(SOFT)
        p.drawEllipse(box)
        p.setPen(QPen(ACCENT, box.width() * 0.08, cap=Qt.PenCapStyle.RoundCap,
                      join=Qt.PenJoinStyle.RoundJoin))
        path = QPainterPath(QPointF(box.left() + 0.27 * box.width(), box.center().y()))
        path.lineTo(box.left() + 0.44 * box.width(), box.top() + 0.67 * box.height())
        path.lineTo(box.left() + 0.74 * box.width(), box.top() + 0.33 * box.height())
        p.drawPath(path)

    def _draw_plug(self, p: QPainter, box: QRectF) -> None:
        p.setPen(QPen(WARN, box.width() * 0.04, cap=Qt.PenCapStyle.RoundCap))
        p.setBrush(Qt.BrushStyle.NoBrush)
        body = QRectF(box.left() + 0.3 * box.width(), box.top() + 0.3 * box.height(),
                      0.4 * box.width(), 0.3 * box.height())
        p.drawRoundedRect(body, 10, 10)
        for fx in (0.4, 0.6):
            x = box.left() + fx * box.width()
            p.drawLine(QPointF(x, body.top()), QPointF(x, box.top() + 0.15 * box.height()))
        p.drawLine(QPointF(box.center().x(), body.bottom()),
                   QPointF(box.center().x(), box.bottom() - 0.1 * box.height()))

    def _draw_lock(self, p: QPainter, box: QRectF) -> None:
        p.setPen(QPen(INK, box.width() * 0.05))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawArc(QRectF(box.left() + 0.32 * box.width(), box.top() + 0.12 * box.height(),
                         0.36 * box.width(), 0.4 * box.height()), 0, 180 * 16)
        p.setBrush(SOFT)
        p.drawRoundedRect(QRectF(box.left() + 0.25 * box.width(), box.top() + 0.38 * box.height(),
                                 0.5 * box.width(), 0.42 * box.height()), 14, 14)

    def _draw_disk(self, p: QPainter, box: QRectF) -> None:
        p.setPen(QPen(WARN, box.width() * 0.05, join=Qt.PenJoinStyle.RoundJoin))
        p.setBrush(Qt.BrushStyle.NoBrush)
        tri = QPainterPath(QPointF(box.center().x(), box.top() + 0.12 * box.height()))
        tri.lineTo(box.right() - 0.1 * box.width(), box.bottom() - 0.15 * box.height())
        tri.lineTo(box.left() + 0.1 * box.width(), box.bottom() - 0.15 * box.height())
        tri.closeSubpath()
        p.drawPath(tri)
        p.drawLine(QPointF(box.center().x(), box.top() + 0.38 * box.height()),
                   QPointF(box.center().x(), box.top() + 0.62 * box.height()))
        p.drawPoint(QPointF(box.center().x(), box.top() + 0.72 * box.height()))


#: The part of the mat a standing patient sees (rows x columns, mm): two feet side by side
#: (about 250 mm long, 280 mm across) with room around them, so the feet fill about half the
#: screen's height instead of a sixth of a walkway's length.
STANDING_VIEW_MM = (420.0, 360.0)


def standing_window(loaded: np.ndarray, pitch_mm: tuple[float, float],
                    previous: tuple[int, int, int, int] | None = None,
                    view_mm: tuple[float, float] = STANDING_VIEW_MM) -> tuple[int, int, int, int]:
    """The rows and columns (r0, r1, c0, c1) of the mat to show to a standing patient.

    The window is ``view_mm`` (or the whole mat where it is smaller), centred on the feet
    (``loaded``: R x C booleans) or on the mat when nobody stands on it. It stays put while
    the feet stay inside it with a margin, so the picture does not jump as they settle.

    Examples
    --------
    >>> mat = np.zeros((200, 100), bool); mat[80:130, 20:75] = True
    >>> standing_window(mat, (5.0, 5.0))
    (63, 147, 12, 84)
    """
    rows, cols = loaded.shape
    n_r = min(rows, max(1, round(view_mm[0] / pitch_mm[0])))
    n_c = min(cols, max(1, round(view_mm[1] / pitch_mm[1])))
    rr, cc = np.nonzero(loaded)
    if rr.size == 0:
        if previous is not None:
            return previous
        centre = (rows / 2, cols / 2)
    else:
        box = (rr.min(), rr.max() + 1, cc.min(), cc.max() + 1)
        if previous is not None:
            margin_r, margin_c = max(1, n_r // 12), max(1, n_c // 12)
            r0, r1, c0, c1 = previous
            if r0 + margin_r <= box[0] and box[1] <= r1 - margin_r and \
                    c0 + margin_c <= box[2] and box[3] <= c1 - margin_c:
                return previous
        centre = ((box[0] + box[1]) / 2, (box[2] + box[3]) / 2)
    r0 = int(np.clip(round(centre[0] - n_r / 2), 0, rows - n_r))
    c0 = int(np.clip(round(centre[1] - n_c / 2), 0, cols - n_c))
    return r0, r0 + n_r, c0, c0 + n_c


class StandingMat(LiveMat):
    """The live mat for a standing patient: only the part around their feet, large.

    A walkway mat is about a metre long; shown whole, two standing feet fill a sixth of the
    screen's height. The frame's border is drawn only where the mat really ends.
    """

    def __init__(self, parent: QWidget | None = None, *, outline_width: float = 3,
                 patient_colours: bool = True) -> None:
        # A patient looks at it: light-to-dark colours, as on their report.
        super().__init__(parent, outline_width=outline_width, patient_colours=patient_colours)
        self.window_rc: tuple[int, int, int, int] | None = None
        self.pitch_mm: tuple[float, float] = (1.0, 1.0)

    def show_kpa(self, kpa: np.ndarray, pitch_mm: tuple[float, float]) -> None:
        """Show the part of a frame (R x C kPa) around the feet."""
        self.window_rc = standing_window(kpa > LOADED_KPA, pitch_mm, self.window_rc)
        self.pitch_mm = tuple(pitch_mm)
        r0, r1, c0, c1 = self.window_rc
        super().show_kpa(kpa[r0:r1, c0:c1], pitch_mm)
        rows, cols = kpa.shape
        w, h = (c1 - c0) * pitch_mm[1], (r1 - r0) * pitch_mm[0]
        xs: list[float] = []
        ys: list[float] = []
        for real, x, y in ((r0 == 0, [0, w], [0, 0]), (r1 == rows, [0, w], [h, h]),
                           (c0 == 0, [0, 0], [0, h]), (c1 == cols, [w, w], [0, h])):
            if real:
                xs += [*x, np.nan]
                ys += [*y, np.nan]
        self.frame_border.setData(xs, ys, connect="finite")
        # Always the whole window in view (the border may not span it).
        self.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)


class Screen(QWidget):
    """One kiosk screen: a title, a picture, one instruction, and big buttons.

    Tall windows stack the picture above the words; wide ones put it beside them.
    """

    def __init__(self, name: str, title: str, picture: QWidget, text: str = "", *,
                 picture_share: float = 0.6) -> None:
        super().__init__()
        self.picture_share = picture_share  # of the height (tall) or width (wide) for the picture
        self.setObjectName(name)
        self.title = QLabel(title)
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture = picture
        self.text = QLabel(text)
        self.text.setObjectName("instruction")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.extra = QVBoxLayout()  # screen-specific widgets under the instruction
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(24)
        self.words = QWidget()
        self.words.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        words = QVBoxLayout(self.words)
        words.setContentsMargins(0, 0, 0, 0)
        words.addStretch(1)
        words.addWidget(self.text)
        words.addLayout(self.extra)
        words.addStretch(1)
        words.addLayout(self.buttons)
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.setSpacing(32)
        self.body.addWidget(self.picture)
        self.body.addWidget(self.words)
        self.set_landscape(False)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 40, 48, 40)
        outer.addWidget(self.title)
        outer.addLayout(self.body, 1)

    def add_button(self, text: str, *, primary: bool = False) -> QPushButton:
        """Add a big button at the bottom of the screen."""
        button = big_button(text, primary=primary)
        self.buttons.addWidget(button)
        return button

    def set_landscape(self, landscape: bool) -> None:
        """Picture beside the words (wide screen) or above them (tall screen)."""
        self.body.setDirection(QBoxLayout.Direction.LeftToRight if landscape
                               else QBoxLayout.Direction.TopToBottom)
        # Side by side the words need at least half the width to stay readable.
        share = min(self.picture_share, 0.5) if landscape else self.picture_share
        self.body.setStretch(0, round(100 * share))
        self.body.setStretch(1, round(100 * (1 - share)))


class Keyboard(QWidget):
    """An on-screen keyboard for a touch screen: digits, letters, space, delete.

    Emits ``key`` with the character, or a backspace character for delete.
    """

    key = pyqtSignal(str)

    ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        for r, row in enumerate(self.ROWS):
            for c, ch in enumerate(row):
                self._add(grid, ch, ch, r, c)
        self._add(grid, " ", "Space", 3, 7, span=2)
        self._add(grid, "\b", "Delete", 3, 9)

    def _add(self, grid: QGridLayout, ch: str, label: str, r: int, c: int, span: int = 1) -> None:
        button = QPushButton(label)
        button.setObjectName("key")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        button.clicked.connect(lambda _=False, ch=ch: self.key.emit(ch))
        grid.addWidget(button, r, c, 1, span)
        self.keys[ch] = button

    def show_letters(self, letters: bool) -> None:
        """Letters and digits for a name, digits only for a code."""
        for ch, button in self.keys.items():
            button.setVisible(letters or ch.isdigit() or ch == "\b")


def style_sheet(width: int, height: int) -> str:
    """Sizes for a window of this size: large type, touch-sized buttons."""
    short = max(min(width, height), 480)
    title, text, button = short // 16, short // 26, short // 28
    return f"""
        QWidget {{ background: white; color: #282828; }}
        QLabel#title {{ font-size: {title}px; font-weight: bold; color: #00595d; }}
        QLabel#instruction {{ font-size: {text}px; }}
        QLabel#code {{ font-size: {text * 3 // 2}px; font-weight: bold; letter-spacing: 2px; }}
        QLabel#countdown {{ font-size: {title * 2}px; font-weight: bold; color: #007a80; }}
        QLabel#small {{ font-size: {text * 2 // 3}px; color: #555; }}
        QLineEdit {{ font-size: {text}px; padding: 12px; border: 3px solid #9fc9cb;
                     border-radius: 12px; min-height: {button * 2}px; }}
        QLineEdit:focus {{ border-color: #007a80; }}
        QPushButton {{ font-size: {button}px; min-height: {short // 10}px; border-radius: 16px;
                       background: #deeeef; color: #00595d; border: 2px solid #9fc9cb;
                       padding: 8px 24px; }}
        QPushButton[primary="true"] {{ background: #007a80; color: white; border: none; }}
        QPushButton:disabled {{ background: #f0f0f0; color: #aaa; border-color: #ddd; }}
        QPushButton#key {{ min-height: {short // 14}px; font-size: {button}px; padding: 0; }}
        QPushButton#staff {{ font-size: {text // 2}px; min-height: {short // 18}px;
                             background: white; color: #999; border: 1px solid #ddd;
                             padding: 4px 12px; }}
    """
