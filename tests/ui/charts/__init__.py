"""Tests of app.ui.charts."""
