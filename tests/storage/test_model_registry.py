"""ModelRegistry: models with their magic numbers and settings, the prediction log, and migrating to 0002."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.core.enums import OrderAction, Side, Timeframe, TradeSource
from app.core.models import ModelSettings
from app.ml.manifest import ModelManifest
from app.ml.metrics import compute_metrics
from app.ml.pipelines import Algorithm
from app.storage.database import Database, JournalError, open_database
from app.storage.journal import Journal
from app.storage.model_registry import (
    MAGIC_BASE,
    MAGIC_SPAN,
    ModelRegistry,
    magic_for,
    settings_from_json,
    settings_to_json,
)
from tests.storage.old_schema import head_revision, insert_old_trade, migrations_up_to

T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SETTINGS = ModelSettings("EURUSD", Timeframe.M1, lot_size=0.02, confidence_threshold=0.55)


def manifest(model_id: str = "3f9a0c1d2e4b", name: str = "Trend") -> ModelManifest:
    return ModelManifest(
        model_id=model_id,
        name=name,
        symbol="EURUSD",
        timeframe=Timeframe.M1,
        algorithm=Algorithm.LOGREG,
        feature_names=("ret_1", "ret_2"),
        parameters={"seed": 7, "model": {"C": 1.0}},
        sklearn_version="1.5.0",
        created_at=T0,
        sha256="ab" * 32,
        file_name=f"{model_id}.skops",
        seed=7,
        bars=1500,
        samples=1400,
        data_from=T0 - timedelta(days=2),
        data_until=T0,
        oos_accuracy=0.53,
        baseline_accuracy=0.51,
        backtest=compute_metrics([], 1.1),
    )


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_database(tmp_path / "journal.sqlite3") as database:
        yield database


@pytest.fixture
def registry(database: Database) -> ModelRegistry:
    return ModelRegistry(database)


def test_a_new_model_is_registered_disabled_with_its_settings(registry: ModelRegistry) -> None:
    model = registry.add(manifest(), "3f9a0c1d2e4b.skops", SETTINGS)
    assert model.enabled is False
    assert model.settings == SETTINGS
    assert registry.get("3f9a0c1d2e4b") == model


def test_the_manifest_comes_back_whole(registry: ModelRegistry) -> None:
    original = manifest()
    registry.add(original, "3f9a0c1d2e4b.skops", SETTINGS)
    stored = registry.get(original.model_id)
    assert stored is not None
    assert ModelManifest.from_dict(stored.manifest_dict()) == original


def test_the_registry_file_name_is_the_one_given(registry: ModelRegistry) -> None:
    registry.add(manifest(), "elsewhere.skops", SETTINGS)
    stored = registry.get("3f9a0c1d2e4b")
    assert stored is not None and stored.manifest_dict()["file_name"] == "elsewhere.skops"


def test_the_magic_number_is_derived_from_the_model_id(registry: ModelRegistry) -> None:
    model = registry.add(manifest(), "a.skops", SETTINGS)
    assert model.magic == magic_for("3f9a0c1d2e4b")
    assert MAGIC_BASE <= model.magic < MAGIC_BASE + MAGIC_SPAN


def test_the_magic_number_stays_below_the_signed_32_bit_limit_for_any_id() -> None:
    assert all(magic_for(f"{n:012x}") < 2**31 for n in range(0, 10**6, 9973))


def test_a_magic_number_collision_takes_the_next_free_one(registry: ModelRegistry) -> None:
    first = registry.add(manifest("aaaaaaaaaaaa"), "a.skops", SETTINGS, magic=magic_for("bbbbbbbbbbbb"))
    second = registry.add(manifest("bbbbbbbbbbbb", "Other"), "b.skops", SETTINGS)
    assert first.magic == magic_for("bbbbbbbbbbbb")
    assert second.magic == first.magic + 1


def test_a_magic_number_given_twice_is_refused(registry: ModelRegistry) -> None:
    registry.add(manifest("aaaaaaaaaaaa"), "a.skops", SETTINGS, magic=700_000_001)
    with pytest.raises(JournalError, match="magic number 700000001 is already used"):
        registry.add(manifest("bbbbbbbbbbbb"), "b.skops", SETTINGS, magic=700_000_001)


def test_registering_the_same_model_twice_is_refused(registry: ModelRegistry) -> None:
    registry.add(manifest(), "a.skops", SETTINGS)
    with pytest.raises(JournalError, match="already registered"):
        registry.add(manifest(), "a.skops", SETTINGS)


def test_all_lists_models_oldest_first(registry: ModelRegistry) -> None:
    registry.add(replace(manifest("bbbbbbbbbbbb"), created_at=T0 + timedelta(hours=1)), "b.skops", SETTINGS)
    registry.add(manifest("aaaaaaaaaaaa"), "a.skops", SETTINGS)
    assert [m.model_id for m in registry.all()] == ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]


def test_enabling_and_disabling_is_stored(registry: ModelRegistry) -> None:
    registry.add(manifest(), "a.skops", SETTINGS)
    assert registry.set_enabled("3f9a0c1d2e4b", True).enabled is True
    assert registry.get("3f9a0c1d2e4b").enabled is True
    registry.set_enabled("3f9a0c1d2e4b", False)
    assert registry.get("3f9a0c1d2e4b").enabled is False


def test_disable_all_switches_every_model_off_and_counts_them(registry: ModelRegistry) -> None:
    for model_id in ("aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"):
        registry.add(manifest(model_id), f"{model_id}.skops", SETTINGS)
    registry.set_enabled("aaaaaaaaaaaa", True)
    registry.set_enabled("cccccccccccc", True)
    assert registry.disable_all() == 2
    assert not any(model.enabled for model in registry.all())


def test_updated_settings_replace_the_old_ones(registry: ModelRegistry) -> None:
    registry.add(manifest(), "a.skops", SETTINGS)
    changed = replace(SETTINGS, sl_pips=12.5, tp_pips=20.0, max_holding_bars=5, trading_hours=(22, 6))
    registry.update_settings("3f9a0c1d2e4b", changed)
    assert registry.get("3f9a0c1d2e4b").settings == changed


def test_settings_round_trip_through_json_with_every_field_set() -> None:
    full = ModelSettings("GBPUSD", Timeframe.H1, 0.5, 0.7, 10.0, 30.0, 3, 24, (8, 17))
    assert settings_from_json(settings_to_json(full)) == full


def test_damaged_settings_json_is_a_journal_error_saying_to_set_them_again() -> None:
    with pytest.raises(JournalError, match="set them again"):
        settings_from_json('{"symbol": "EURUSD"}')


def test_changing_an_unknown_model_names_it(registry: ModelRegistry) -> None:
    with pytest.raises(JournalError, match="model 000000000000 is not registered"):
        registry.set_enabled("000000000000", True)


def test_removing_a_model_forgets_it_and_its_predictions(registry: ModelRegistry) -> None:
    registry.add(manifest(), "a.skops", SETTINGS)
    registry.record_prediction("3f9a0c1d2e4b", T0, Side.BUY, 0.7, at=T0)
    registry.remove("3f9a0c1d2e4b")
    assert registry.get("3f9a0c1d2e4b") is None
    assert registry.predictions("3f9a0c1d2e4b") == []


def test_predictions_come_back_newest_bar_first_up_to_the_limit(registry: ModelRegistry) -> None:
    for minute in range(5):
        bar = T0 + timedelta(minutes=minute)
        registry.record_prediction("m", bar, Side.SELL, 0.6 + minute / 100, reason=f"bar {minute}", at=bar)
    latest = registry.predictions("m", limit=2)
    assert [p.reason for p in latest] == ["bar 4", "bar 3"]
    assert latest[0].bar_time == T0 + timedelta(minutes=4) and latest[0].side is Side.SELL


def test_a_prediction_without_a_side_is_logged_as_such(registry: ModelRegistry) -> None:
    registry.record_prediction("m", T0, None, 0.5, reason="no direction", at=T0)
    [logged] = registry.predictions("m")
    assert (logged.side, logged.confidence, logged.acted) == (None, 0.5, False)


def test_logging_the_same_bar_again_updates_it_without_a_second_row(registry: ModelRegistry) -> None:
    registry.record_prediction("m", T0, Side.BUY, 0.7, reason="deciding", at=T0)
    registry.record_prediction("m", T0, Side.BUY, 0.7, acted=True, reason="opened BUY", at=T0)
    assert [(p.acted, p.reason) for p in registry.predictions("m")] == [(True, "opened BUY")]


def test_a_bar_once_acted_on_stays_acted_on(registry: ModelRegistry) -> None:
    registry.record_prediction("m", T0, Side.BUY, 0.7, acted=True, reason="opened BUY", at=T0)
    registry.record_prediction("m", T0, Side.BUY, 0.7, acted=False, reason="already traded", at=T0)
    [logged] = registry.predictions("m")
    assert logged.acted is True and logged.reason == "already traded"


def _open_auto_trade(journal: Journal, trade_id: str, model_id: str, at: datetime) -> None:
    journal.record_pending(
        trade_id=trade_id,
        source=TradeSource.AUTO,
        action=OrderAction.OPEN,
        symbol="EURUSD",
        side=Side.BUY,
        volume=0.01,
        sl=None,
        tp=None,
        magic=700_000_000,
        comment=f"MD-{trade_id}",
        model_id=model_id,
        position_ticket=None,
        requested_at=at,
    )


def test_auto_trades_since_counts_the_models_sent_orders_but_not_failed_ones(
    database: Database, registry: ModelRegistry
) -> None:
    journal = Journal(database)
    _open_auto_trade(journal, "a000000001", "m", T0 - timedelta(hours=1))  # before the day: not counted
    _open_auto_trade(journal, "a000000002", "m", T0)
    _open_auto_trade(journal, "a000000003", "m", T0 + timedelta(minutes=1))
    _open_auto_trade(journal, "a000000004", "m", T0 + timedelta(minutes=2))
    _open_auto_trade(journal, "a000000005", "other", T0)
    journal.mark_failed("a000000004", retcode=10019, error="no money", at=T0)
    assert registry.auto_trades_since("m", T0) == 2


def migrations_up_to_0001(tmp_path: Path) -> Path:
    return migrations_up_to("0001", tmp_path)


def test_a_0001_journal_with_rows_migrates_to_0002_and_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with open_database(path, migrations=migrations_up_to_0001(tmp_path)) as old:
        assert old.schema_revision() == "0001"
    with sqlite3.connect(path) as connection:  # as 0001's code wrote it
        connection.execute(
            "INSERT INTO events (time, type, level, title, text, payload_json) "
            "VALUES ('2026-11-18 10:00:00.000000', 'NOTICE', 'info', 'kept through the migration', '', '{}')"
        )
    connection.close()
    insert_old_trade(path, "k000000001", "MD-k000000001", source="auto", at=T0)  # as 0001's code wrote it
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM sqlite_master WHERE name = 'models'").fetchall() == []
    connection.close()

    with open_database(path) as database:
        assert database.schema_revision() == head_revision()
        journal = Journal(database)
        assert [event.title for event in journal.events()] == ["kept through the migration"]
        kept = journal.find_trade("k000000001")
        assert kept is not None and kept.requested_volume == 0.01 and kept.requested_at == T0
        registry = ModelRegistry(database)
        assert registry.all() == []
        registry.add(manifest(), "a.skops", SETTINGS)
        assert len(registry.all()) == 1
