"""pyqtgraph views: equity and P&L charts, P&L by symbol, the models' performance dashboard."""
