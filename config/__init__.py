"""Settings: one typed object read from flags, environment, a TOML file and defaults."""

from config.settings import (
    ENV_PREFIX,
    Settings,
    SettingsError,
    describe,
    load_settings,
)

__all__ = ["ENV_PREFIX", "Settings", "SettingsError", "describe", "load_settings"]
