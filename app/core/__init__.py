"""Domain dataclasses, enums, events and change detection: standard library only."""
