"""The kiosk's building blocks: a screen with one instruction, pictures, an on-screen keyboard.

Everything is sized from the window (touch-sized buttons, large type) and laid out for a
portrait or a landscape screen: picture above the words when the screen is tall, beside them
when it is wide.
"""

from __future__ import annotations

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
        card = box.adjusted(0, box.height() * 0.22, 0, -box.height() * 0.22)
        p.setPen(QPen(ACCENT, box.width() * 0.015))
        p.setBrush(SOFT)
        p.drawRoundedRect(card, 16, 16)
        p.setPen(INK)
        font = p.font()
        font.setPixelSize(int(card.height() * 0.3))
        font.setBold(True)
        p.setFont(font)
        p.drawText(card, Qt.AlignmentFlag.AlignCenter, "123 456")

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
