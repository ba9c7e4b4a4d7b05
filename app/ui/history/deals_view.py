"""The Deals tab, as MetaTrader 5's History → Deals: every deal of the period, balance operations too."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtCore import pyqtBoundSignal
from PyQt6.QtWidgets import QLabel, QWidget

from app.engine.queries import JournalQueries
from app.storage.records import DealRecord
from app.ui.history.deals_model import DEAL_COLUMNS, DealTotals, deal_totals, deal_totals_texts
from app.ui.history.history_filters import Selection
from app.ui.history.records_tab import REFRESH_DELAY_MS, RecordsTab
from app.ui.history.symbol_digits import SymbolDigits
from app.ui.widgets.csv_export import DEAL_CSV_FIELDS


class DealsView(RecordsTab[DealRecord]):
    """Deals by date and symbol, with what trading and balance operations did to the balance."""

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
            DEAL_COLUMNS,
            DEAL_CSV_FIELDS,
            lambda deal: deal.symbol,
            parent,
            account_of=lambda deal: deal.account_id,
            key_of=lambda deal: (deal.account_id, deal.ticket),
            refresh_delay_ms=refresh_delay_ms,
            digits=digits,
            with_source=False,
            what="deals",
            day_of="deal",
            export_name="deals",
            sort_by="time",
        )

    def _build_footer(self) -> None:
        self.money_label = QLabel(self.footer)
        self.footer_row.addWidget(self.money_label)

    def _ask(self, queries: JournalQueries, chosen: Selection) -> int:
        return queries.load_deals(chosen.since, chosen.until, chosen.symbol, chosen.account_id)

    def _answers(self, queries: JournalQueries) -> pyqtBoundSignal:
        return queries.deals_loaded

    def _records_in(self, result: object) -> Sequence[DealRecord]:
        assert isinstance(result, list)
        return result

    def totals(self) -> DealTotals:
        return deal_totals(self.model.records())

    def _show_footer(self, result: object | None) -> None:
        count, money = deal_totals_texts(self.totals())
        mixed = self.mixed_currencies()
        if mixed:  # money of two currencies is never added up
            money = f"Accounts in {' and '.join(mixed)}: choose one account to see its totals"
        self.summary_label.setText(count)
        self.money_label.setText(money)
