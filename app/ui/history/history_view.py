"""The History tab: every deal that closed all or part of a position, by date, symbol and source.

A position closed in parts shows one row per part, so a period's rows add up to what trading did to the
balance; the footer's net also counts the commission the period's opening deals paid.
"""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtCore import QEvent, Qt, pyqtBoundSignal
from PyQt6.QtGui import QPalette
from PyQt6.QtWidgets import QLabel, QWidget

from app.engine.queries import JournalQueries
from app.storage.records import ClosedHistory, ClosingDeal
from app.ui.history.history_filters import Selection
from app.ui.history.history_model import HISTORY_COLUMNS, HistoryTotals, history_totals, totals_texts
from app.ui.history.history_period import HistoryPeriod
from app.ui.history.records_tab import REFRESH_DELAY_MS, VIEWER_NOTICE, RecordsTab
from app.ui.history.symbol_digits import SymbolDigits
from app.ui.widgets.columns import money_colour
from app.ui.widgets.csv_export import HISTORY_CSV_FIELDS

DEFAULT_PERIOD = HistoryPeriod.MONTH
__all__ = ["DEFAULT_PERIOD", "VIEWER_NOTICE", "HistoryView"]


class HistoryView(RecordsTab[ClosingDeal]):
    """Closing deals with date/symbol/source filters, totals (the net adds up), Refresh and Export CSV."""

    def __init__(
        self,
        queries: JournalQueries | None,
        parent: QWidget | None = None,
        *,
        refresh_delay_ms: int = REFRESH_DELAY_MS,
        digits: SymbolDigits | None = None,
    ) -> None:
        super().__init__(
            queries,
            HISTORY_COLUMNS,
            HISTORY_CSV_FIELDS,
            lambda closing: closing.symbol,
            parent,
            account_of=lambda closing: closing.deal.account_id,
            key_of=lambda closing: (closing.deal.account_id, closing.deal.ticket),
            refresh_delay_ms=refresh_delay_ms,
            digits=digits,
            with_source=True,
            what="closed positions",
            day_of="closing",
            export_name="history",
            sort_by="closed",
        )
        self.period_combo = self.filters.period_combo
        self.from_edit, self.to_edit = self.filters.from_edit, self.filters.to_edit
        self.symbol_combo, self.source_combo = self.filters.symbol_combo, self.filters.source_combo

    def _build_footer(self) -> None:
        self._entry_charges = 0.0  # the last load's, for the footer's net
        self.gross_label = QLabel(self.footer)
        self.net_label = QLabel(self.footer)
        self.net_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.net_label.setToolTip(
            "What trading did to the balance in this period: the rows' profit plus any commission paid "
            "when positions opened"
        )
        self.footer_row.addWidget(self.gross_label)
        self.footer_row.addSpacing(12)
        self.footer_row.addWidget(self.net_label)

    def _ask(self, queries: JournalQueries, chosen: Selection) -> int:
        return queries.load_closed_history(
            chosen.since, chosen.until, chosen.symbol, chosen.source, chosen.account_id
        )

    def _answers(self, queries: JournalQueries) -> pyqtBoundSignal:
        return queries.history_loaded

    def _records_in(self, result: object) -> Sequence[ClosingDeal]:
        assert isinstance(result, ClosedHistory)
        return result.closings

    def visible_closings(self) -> list[ClosingDeal]:
        """The closing deals the table shows, top to bottom."""
        return self.visible_records()

    def totals(self) -> HistoryTotals:
        """Totals of the rows loaded (every filter is applied by the query) and the entry charges."""
        return history_totals(self.model.records(), self._entry_charges)

    def _show_footer(self, result: object | None) -> None:
        if isinstance(result, ClosedHistory):
            self._entry_charges = result.entry_charges
        totals = self.totals()
        summary, gross, net = totals_texts(totals)
        mixed = self.mixed_currencies()
        if mixed:  # money of two currencies is never added up
            gross = ""
            net = f"Accounts in {' and '.join(mixed)}: choose one account to see its totals"
        self.summary_label.setText(summary)
        self.gross_label.setText(gross)
        self.net_label.setText(net)
        palette = self.net_label.palette()
        colour = money_colour(totals.net_profit)
        palette.setColor(
            QPalette.ColorRole.WindowText, colour or self.palette().color(QPalette.ColorRole.WindowText)
        )
        self.net_label.setPalette(palette)

    def changeEvent(self, event: QEvent | None) -> None:
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.PaletteChange and hasattr(self, "net_label"):
            self._show_footer(None)  # a theme switch picks the matching gain/loss colours
