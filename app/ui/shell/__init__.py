"""The main window that composes the features, its tray, toasts, theme, icons and event log."""
