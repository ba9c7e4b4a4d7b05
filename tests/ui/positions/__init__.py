"""Tests of app.ui.positions."""
