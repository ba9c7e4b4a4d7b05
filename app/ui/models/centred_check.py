"""CentredCheckDelegate: a column whose only content is a checkbox, drawn in the middle of its cell and
ticked by a click anywhere in the cell.

Qt draws an item's checkbox at the cell's left edge and ticks it only on a click on the box itself; in a
column sized to its header (with room for the sort arrow), a click in the middle of the cell missed it.
"""

from __future__ import annotations

from PyQt6.QtCore import QAbstractItemModel, QEvent, QModelIndex, Qt
from PyQt6.QtGui import QMouseEvent, QPainter
from PyQt6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

_HAS_CHECK = QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
_CHECK_ROLE = Qt.ItemDataRole.CheckStateRole


class CentredCheckDelegate(QStyledItemDelegate):
    """Draws the check centred; a left click anywhere in a checkable cell flips it (Space still does too)."""

    def paint(self, painter: QPainter | None, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        shown = QStyleOptionViewItem(option)
        self.initStyleOption(shown, index)
        if painter is None or not shown.features & _HAS_CHECK:
            super().paint(painter, option, index)
            return
        widget = shown.widget  # the view: it set itself as the option's widget
        style = widget.style()
        assert style is not None  # a shown widget always has a style
        box = style.subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, shown, widget)
        check = QStyleOptionViewItem(shown)
        # The cell's panel (selection, focus, alternating colour) without Qt's own left-hand box.
        shown.features = shown.features & ~_HAS_CHECK
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, shown, painter, widget)
        check.rect = QStyle.alignedRect(
            shown.direction, Qt.AlignmentFlag.AlignCenter, box.size(), option.rect
        )
        check.state = check.state & ~QStyle.StateFlag.State_HasFocus
        if shown.checkState == Qt.CheckState.Checked:
            check.state |= QStyle.StateFlag.State_On
        elif shown.checkState == Qt.CheckState.PartiallyChecked:
            check.state |= QStyle.StateFlag.State_NoChange
        else:
            check.state |= QStyle.StateFlag.State_Off
        style.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck, check, painter, widget)

    def editorEvent(
        self,
        event: QEvent | None,
        model: QAbstractItemModel | None,
        option: QStyleOptionViewItem,
        index: QModelIndex,
    ) -> bool:
        flags = index.flags()
        checkable = bool(flags & Qt.ItemFlag.ItemIsUserCheckable and flags & Qt.ItemFlag.ItemIsEnabled)
        if not checkable or model is None or not isinstance(event, QMouseEvent):
            return super().editorEvent(event, model, option, index)
        inside = option.rect.contains(event.position().toPoint())
        if event.button() != Qt.MouseButton.LeftButton or not inside:
            return False
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            return True  # the release flips it (a double click is two clicks, as on Qt's own box)
        if event.type() != QEvent.Type.MouseButtonRelease:
            return False
        state = index.data(_CHECK_ROLE)
        ticked = state is not None and Qt.CheckState(state) == Qt.CheckState.Checked
        wanted = Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked
        return model.setData(index, wanted, _CHECK_ROLE)
