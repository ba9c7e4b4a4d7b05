"""The welcome dialog's "Test connection", handed to it by the launcher: the dialog runs before any desk or
terminal host exists, so this opens the chosen backend itself, once, on the dialog's worker thread."""

from __future__ import annotations

from dataclasses import replace

from app.core.enums import Backend
from app.core.number_format import format_money
from app.terminal.backend import open_terminal
from app.terminal.errors import TerminalError
from app.ui.settings.first_run import ConnectionAttempt


def try_connection(attempt: ConnectionAttempt) -> tuple[bool, str]:
    """Connect, read the account, disconnect; (True, what answered) or (False, what to do)."""
    # In memory: a test must not create or change the demo account file.
    target = replace(attempt.target, sim_state_file="")
    try:
        selection = open_terminal(target, password=attempt.password if target.login is not None else None)
    except TerminalError as error:
        return False, str(error)
    except Exception as error:  # whatever a backend raises, the trader gets a sentence, not a crash
        return False, f"The connection failed unexpectedly ({type(error).__name__}: {error})"
    try:
        account = selection.terminal.account()
        kind = "the simulated demo terminal" if selection.simulated else "MetaTrader 5"
        if selection.kind is Backend.BRIDGE:
            kind += f" through the bridge at {target.bridge_address}"
        return True, (
            f"Connected to {kind}: account {account.login} on {account.server or 'the terminal'}, "
            f"balance {format_money(account.balance, account.currency)}"
        )
    except TerminalError as error:
        return False, f"Connected, but the account could not be read: {error}"
    finally:
        selection.terminal.disconnect()
