"""Where the app keeps its files: the platform's folders, or one folder named by MT5DESK_HOME."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.core.settings import FIRST_ACCOUNT_ID

APP_NAME = "MT5Desk"
APP_AUTHOR = "MT5Desk"
HOME_VARIABLE = "MT5DESK_HOME"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The app's folders and the files in them; nothing is created until `ensure()`."""

    config_dir: Path
    data_dir: Path
    log_dir: Path
    settings_file: Path
    database_file: Path
    sim_state_file: Path
    models_dir: Path
    lock_file: Path

    def sim_state_file_for(self, account_id: str) -> Path:
        """The simulated demo account of one desk account: the first account ('main') keeps the file an
        older single-account desk wrote, so its demo account carries on."""
        if account_id == FIRST_ACCOUNT_ID:
            return self.sim_state_file
        return self.data_dir / f"sim_account-{account_id}.json"

    @classmethod
    def under(cls, config_dir: Path, data_dir: Path, log_dir: Path) -> AppPaths:
        """The standard file layout inside the three given folders."""
        return cls(
            config_dir=config_dir,
            data_dir=data_dir,
            log_dir=log_dir,
            settings_file=config_dir / "settings.toml",
            database_file=data_dir / "journal.sqlite3",
            sim_state_file=data_dir / "sim_account.json",
            models_dir=data_dir / "models",
            lock_file=data_dir / "mt5desk.lock",
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> AppPaths:
        """Everything under $MT5DESK_HOME when it is set (tests, portable installs), else platform folders."""
        env = os.environ if environ is None else environ
        home = env.get(HOME_VARIABLE, "").strip()
        if home:
            root = Path(home).expanduser().resolve()
            return cls.under(root / "config", root / "data", root / "logs")
        return cls.under(
            platformdirs.user_config_path(APP_NAME, APP_AUTHOR),
            platformdirs.user_data_path(APP_NAME, APP_AUTHOR),
            platformdirs.user_log_path(APP_NAME, APP_AUTHOR),
        )

    def ensure(self) -> AppPaths:
        """Create the folders (not the files) if missing, private (0700 on POSIX); raises OSError naming
        the folder that failed."""
        from app.storage.private_files import make_private_dir

        for folder in (self.config_dir, self.data_dir, self.log_dir, self.models_dir):
            make_private_dir(folder)
        return self
