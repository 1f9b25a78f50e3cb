"""What ``docflow.core.settings.Settings`` derives from its values (the secret key in
use, https, byte limits) and its production check; a base class without fields, so the
settings' table stays one dataclass in ``settings.py``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from docflow.core.errors import ConfigurationError
from docflow.core.settings_env import key_paths, production_problems

__all__ = ["DEMO_PASSWORD", "DEVELOPMENT_SECRET_KEY", "DerivedSettings"]

DEMO_PASSWORD = "docflow-demo"
DEVELOPMENT_SECRET_KEY = "docflow-development-only-secret-key-not-for-production"


class DerivedSettings:
    """Properties and checks of ``Settings`` (which declares the fields below)."""

    if TYPE_CHECKING:
        env: str
        secret_key: str | None
        public_url: str
        max_upload_mb: int
        exchange_max_package_mb: int
        demo_password: str
        trust_anchors: tuple[Path, ...]
        seal_key_dir: Path | None

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def effective_secret_key(self) -> str:
        """The key to sign tokens and cookies with.

        In development without ``DOCFLOW_SECRET_KEY`` this is a fixed, public
        development key; production refuses to start without a real one.
        """
        return self.secret_key or DEVELOPMENT_SECRET_KEY

    @property
    def is_https(self) -> bool:
        """Users reach docflow over https: cookies are ``Secure`` and HSTS is sent."""
        return self.public_url.lower().startswith("https://")

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def exchange_max_package_bytes(self) -> int:
        return self.exchange_max_package_mb * 1024 * 1024

    # ------------------------------------------------------------------ checks

    def production_problems(self) -> list[str]:
        """Readable sentences naming every reason these settings are unfit for production."""
        return production_problems(
            self.demo_password, self.secret_key, key_paths(self.trust_anchors, self.seal_key_dir),
            DEMO_PASSWORD,
        )

    def validate_for_production(self) -> None:
        """In production, raise ``ConfigurationError`` listing every problem; else no-op."""
        if not self.is_production:
            return
        problems = self.production_problems()
        if problems:
            raise ConfigurationError(problems)
