"""Tests of app.ui.trading."""
