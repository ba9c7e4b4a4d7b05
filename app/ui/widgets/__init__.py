"""Pieces shared by the features: table columns and record table, CSV export, metrics rows, order fields."""
