"""Tests of app.ui.history."""
