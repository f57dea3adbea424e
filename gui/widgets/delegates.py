"""Cell and sidebar painting: the confidence bar, the sidebar's count badges."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from gui.item_models.sidebar import COUNT_ROLE
from gui.item_models.track_table import ROW_ROLE
from gui.widgets.palette import TRACK_BG, confidence_color

Index = QModelIndex | QPersistentModelIndex


class ConfidenceDelegate(QStyledItemDelegate):
    """Draws a row's confidence as a small bar with its percentage."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(ROW_ROLE)
        # The background by hand: the style's full item drawing cost ~1 ms per cell.
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        elif option.features & QStyleOptionViewItem.ViewItemFeature.Alternate:
            painter.fillRect(option.rect, option.palette.alternateBase())
        if row is None or row.confidence is None:
            return
        painter.save()
        if row.outdated:  # another model's confidence: muted, like its genre and status
            painter.setOpacity(0.45)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(option.rect).adjusted(6, 0, -6, 0)
        label_width = 38.0
        bar = QRectF(rect.left(), rect.center().y() - 3, rect.width() - label_width, 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TRACK_BG)
        painter.drawRoundedRect(bar, 3, 3)
        filled = QRectF(bar.left(), bar.top(), bar.width() * row.confidence, bar.height())
        painter.setBrush(confidence_color(row.confidence))
        painter.drawRoundedRect(filled, 3, 3)
        painter.setPen(option.palette.text().color())
        text_rect = QRectF(bar.right(), rect.top(), label_width, rect.height())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         f"{row.confidence:.0%}")
        painter.restore()


class CountBadgeDelegate(QStyledItemDelegate):
    """Draws the sidebar's entries with their count right-aligned, dimmed."""

    TEXT_MARGINS = 36  # the item's stylesheet padding and margins, and a gap before the count

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:  # noqa: N802
        """Elide the entry's name where its count would cover it (a narrow sidebar)."""
        super().initStyleOption(option, index)
        count = index.data(COUNT_ROLE)
        if count is None:
            return
        metrics = option.fontMetrics
        room = option.rect.width() - metrics.horizontalAdvance(f"{count:,}") - self.TEXT_MARGINS
        option.text = metrics.elidedText(option.text, Qt.TextElideMode.ElideRight, max(room, 0))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        count = index.data(COUNT_ROLE)
        if count is None:
            return
        painter.save()
        color = option.palette.text().color()
        color.setAlphaF(0.55)
        painter.setPen(color)
        rect = option.rect.adjusted(0, 0, -10, 0)
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         f"{count:,}")
        painter.restore()
