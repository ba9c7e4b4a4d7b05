"""Tests of app.startup."""
