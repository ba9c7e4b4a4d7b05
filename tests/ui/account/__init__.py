"""Tests of app.ui.account."""
