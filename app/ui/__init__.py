"""Qt widgets, models, dialogs and tray."""
