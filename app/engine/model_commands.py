"""The trader's commands to the auto-trader: register, enable, configure and remove models, the master
switch and the kill switch; and loading the registered models' files (their sha256 checked) on connect.

Every command ends in a MODELS_UPDATE, and every refusal in a NOTICE that says what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from app.core.enums import NoticeLevel, OrderAction, TradeSource
from app.core.events import Event, Notice
from app.core.models import ModelSettings, OrderRequest, Position
from app.core.risk_limits import changed_limits
from app.engine.commands import (
    AutoCommand,
    AutoTradingCommand,
    KillSwitchCommand,
    ModelCommand,
    RegisterModelCommand,
    RemoveModelCommand,
    RiskLimitsCommand,
    TradeCommand,
    new_trade_id,
)
from app.engine.model_runtime import ModelRuntime
from app.engine.ports import OrderPort, TerminalReads
from app.engine.risk import RiskGuard
from app.engine.trading import Outcome, is_link_error
from app.ml.errors import ModelStoreError
from app.storage.errors import JournalError
from app.storage.model_registry import ModelRegistry
from app.terminal.errors import TerminalError

log = logging.getLogger(__name__)


class ModelCommands:
    """What AutoTrader does on the trader's commands (a mixin: AutoTrader holds the state)."""

    _registry: ModelRegistry
    _publish: Callable[[Event], None]
    _models_dir: Path
    _terminal: TerminalReads | None
    _trading: OrderPort | None
    _runtimes: dict[str, ModelRuntime]
    _master: bool
    _positions: Mapping[int, Position]
    _account_id: str
    _announce_master: bool
    _guard: RiskGuard

    def _publish_models(self, *, force: bool = False) -> None:
        raise NotImplementedError

    def _refresh_positions(self) -> None:
        raise NotImplementedError

    def handle(self, command: AutoCommand) -> None:
        """Carry out one command; the answer is a MODELS_UPDATE and, when something is refused, a NOTICE."""
        try:
            if isinstance(command, AutoTradingCommand):
                self._switch_master(command.enabled)
            elif isinstance(command, ModelCommand):
                self._change_model(command)
            elif isinstance(command, KillSwitchCommand):
                self._kill(command)
            elif isinstance(command, RegisterModelCommand):
                self._register(command)
            elif isinstance(command, RemoveModelCommand):
                self._remove(command.model_id)
            elif isinstance(command, RiskLimitsCommand):
                self._set_limits(command)
        except JournalError as error:
            self._say(NoticeLevel.ERROR, "Auto-trading", f"The model registry could not be updated: {error}.")
        self._publish_models(force=True)

    # ---- loading ----------------------------------------------------------------------------------
    def _load_models(self) -> None:
        """Read the registry; load each enabled model's file, disabling (and saying so) any refused one."""
        try:
            records = self._registry.all(self._account_id)
        except JournalError as error:
            self._say(
                NoticeLevel.ERROR, "Models not loaded", f"The model registry could not be read: {error}."
            )
            return
        for record in records:
            runtime = self._runtimes.setdefault(record.model_id, ModelRuntime(record))
            runtime.record = record
            if record.enabled and runtime.model is None and not self._load(runtime):
                runtime.record = self._registry.set_enabled(record.model_id, False)
            elif record.enabled:
                runtime.status = "auto-trading is off (master switch)"

    def _load(self, runtime: ModelRuntime) -> bool:
        # Imported here: scikit-learn and skops take seconds to import, paid only when a model is used.
        from app.ml.manifest import ModelManifest
        from app.ml.store import open_model

        try:
            manifest = ModelManifest.from_dict(runtime.record.manifest_dict())
            runtime.model = open_model(manifest, self._models_dir)
        except ModelStoreError as error:
            runtime.status = "disabled: model file refused"
            self._say(
                NoticeLevel.ERROR,
                f"Model {runtime.name} disabled",
                f"Its file was refused: {error}. It stays disabled; retrain or re-import it.",
            )
            return False
        return True

    # ---- commands ---------------------------------------------------------------------------------
    def _switch_master(self, enabled: bool) -> None:
        self._master = enabled
        for runtime in self._runtimes.values():
            runtime.blocked_rule = None
            if runtime.enabled:
                runtime.status = "waiting for next bar" if enabled else "auto-trading is off (master switch)"
        if self._announce_master:
            title, text = master_notice(enabled)
            self._say(NoticeLevel.INFO, title, text)

    def _change_model(self, command: ModelCommand) -> None:
        runtime = self._runtimes.get(command.model_id)
        if runtime is None:
            self._say(NoticeLevel.ERROR, "Model not found", f"No model {command.model_id} is registered.")
            return
        if command.settings is not None and not self._apply_settings(runtime, command.settings):
            return
        if command.enabled is True and not runtime.enabled:
            if runtime.model is None and not self._load(runtime):
                return
            runtime.record = self._registry.set_enabled(runtime.model_id, True)
            runtime.last_bar, runtime.blocked_rule, runtime.problem = None, None, None
            runtime.status = "waiting for next bar" if self._master else "auto-trading is off (master switch)"
        elif command.enabled is False and runtime.enabled:
            runtime.record = self._registry.set_enabled(runtime.model_id, False)
            runtime.status = "disabled"

    def _apply_settings(self, runtime: ModelRuntime, settings: ModelSettings) -> bool:
        problems = settings.problems()
        if problems:
            self._say(
                NoticeLevel.ERROR,
                f"Settings of {runtime.name} not changed",
                " ".join(problems) + " The previous settings stay in force.",
            )
            return False
        before = runtime.settings
        runtime.record = self._registry.update_settings(runtime.model_id, settings)
        if (before.symbol, before.timeframe) != (settings.symbol, settings.timeframe):
            runtime.last_bar = None
        runtime.blocked_rule = None
        return True

    def _register(self, command: RegisterModelCommand) -> None:
        path = Path(command.model_file).resolve()
        manifest = command.manifest
        if command.account_id != self._account_id:  # the desk routes by account; a slip must not trade
            self._say(
                NoticeLevel.ERROR,
                f"Model {manifest.name} not registered",
                f"It was meant for account {command.account_id!r}, not this one.",
            )
            return
        problems = command.settings.problems()
        if problems:
            self._say(NoticeLevel.ERROR, f"Model {manifest.name} not registered", " ".join(problems))
            return
        from app.ml.store import open_model  # slow import, see _load

        try:
            model = open_model(replace(manifest, file_name=str(path)), path.parent)
        except ModelStoreError as error:
            self._say(NoticeLevel.ERROR, f"Model {manifest.name} not registered", f"{error}.")
            return
        inside = path.parent == self._models_dir.resolve()
        try:
            record = self._registry.add(
                manifest, path.name if inside else str(path), command.settings, account_id=self._account_id
            )
        except JournalError as error:
            self._say(NoticeLevel.ERROR, f"Model {manifest.name} not registered", f"{error}.")
            return
        self._runtimes[record.model_id] = ModelRuntime(record, model=model, status="disabled")
        self._say(
            NoticeLevel.INFO,
            "Model registered",
            f"{record.name} ({command.settings.symbol} {command.settings.timeframe.value}, magic "
            f"{record.magic}) is registered and disabled; enable it in the model dock to let it trade.",
        )

    def _remove(self, model_id: str) -> None:
        runtime = self._runtimes.get(model_id)
        if runtime is None:
            self._say(NoticeLevel.ERROR, "Model not found", f"No model {model_id} is registered.")
            return
        held = runtime.positions(self._current_positions())
        if held:
            self._say(
                NoticeLevel.WARNING,
                f"Model {runtime.name} not removed",
                f"It has {len(held)} open position(s) (magic {runtime.magic}); close them first, "
                "then remove it.",
            )
            return
        self._registry.remove(model_id)
        del self._runtimes[model_id]
        self._say(
            NoticeLevel.INFO, "Model removed", f"{runtime.name} is no longer registered; its file is kept."
        )

    def _set_limits(self, command: RiskLimitsCommand) -> None:
        changed = changed_limits(self._guard.limits, command.limits, command.currency)
        self._guard.limits = command.limits
        for runtime in self._runtimes.values():
            runtime.blocked_rule = None  # a block the new limits still impose is announced again
        if changed:
            text = "; ".join(changed)
            self._say(
                NoticeLevel.INFO,
                "Risk limits changed",
                f"{text[:1].upper()}{text[1:]}. They apply to every automatic order from now on.",
            )

    def _kill(self, command: KillSwitchCommand) -> None:
        """Every model of this account disabled (and the master switch off when every account is killed)."""
        if command.account_id is None:
            self._master = False
        self._registry.disable_all(self._account_id)
        for runtime in self._runtimes.values():
            runtime.record = replace(runtime.record, enabled=False)
            runtime.status = "disabled (kill switch)"
        if command.account_id is None:
            text = "Auto-trading is off and every model is disabled."
        else:
            text = "Every model of this account is disabled; the other accounts' models go on."
        if command.close_positions:
            text += " " + self._close_model_positions()
        else:
            text += " Their positions were left open."
        self._say(NoticeLevel.WARNING, "Kill switch", text)

    def _close_model_positions(self) -> str:
        if self._trading is None or self._terminal is None:
            return "Their positions could NOT be closed: MetaTrader 5 is not connected; close them by hand."
        owners = {runtime.magic: runtime for runtime in self._runtimes.values()}
        try:
            targets = [p for p in self._terminal.positions().values() if p.magic in owners]
        except TerminalError as error:
            return f"Their positions could NOT be closed ({error.message}); close them by hand."
        failed = 0
        for position in targets:
            owner = owners[position.magic]
            request = OrderRequest(
                OrderAction.CLOSE,
                position.symbol,
                ticket=position.ticket,
                magic=owner.magic,
                comment="kill switch",
            )
            command = TradeCommand(
                request=request, trade_id=new_trade_id(), account_id=self._account_id, source=TradeSource.AUTO
            )
            outcome = self._trading.execute(command)
            if outcome.outcome is not Outcome.FILLED:
                failed += 1
            if outcome.link_lost:
                failed += len(targets) - targets.index(position) - 1
                break
        self._refresh_positions_quietly()
        closed = len(targets) - failed
        if failed:
            return (
                f"{closed} of {len(targets)} model position(s) closed; {failed} could NOT be closed, "
                "close them by hand."
            )
        return f"{closed} model position(s) closed."

    def _current_positions(self) -> Mapping[int, Position]:
        if self._terminal is not None:
            try:
                return self._terminal.positions()
            except TerminalError as error:
                log.warning("positions for a model command: %s", error)
        return self._positions

    def _refresh_positions_quietly(self) -> None:
        try:
            self._refresh_positions()
        except TerminalError as error:
            if not is_link_error(error):
                raise

    def _say(self, level: NoticeLevel, title: str, text: str) -> None:
        self._publish(Notice(level=level, title=title, text=text, account_id=self._account_id))


def master_notice(enabled: bool) -> tuple[str, str]:
    """The title and text that say the master switch went on or off (said once for the whole desk)."""
    text = (
        "Enabled models trade from their next closed bar."
        if enabled
        else "No new automatic orders; open positions stay as they are."
    )
    return f"Auto-trading {'on' if enabled else 'off'}", text
