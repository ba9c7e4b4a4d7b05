"""Settings dialog and its pages (alerts, risk, viewer access), credentials, the welcome dialog."""
