"""What the ``oms`` command is configured with: the environment over a ``.env`` file, and
where its journal lives.

Rules:
- The process environment wins over ``.env`` (or the file ``--env-file`` names, which must
  exist: a typo there must not quietly fall back to the defaults). It is read with
  python-dotenv's parser (``transports.binance.config.parse_dotenv``), so quotes and
  ``# comments`` are right.
- ``--env`` on the command line wins over ``OMS_ENV``.
- The journal is ``OMS_JOURNAL`` when set, else one file per environment in the user's data
  directory: ``$XDG_DATA_HOME/oms/<env>.sqlite3`` (``~/.local/share/oms/<env>.sqlite3``
  when ``XDG_DATA_HOME`` is unset). Environments never share a journal.
- Nothing here is printed with a secret: ``masked`` shows what a setting holds without it
  (not even a secret's last characters).
"""

from __future__ import annotations

import os
from pathlib import Path

from oms.app.failures import CliError

__all__ = ["SECRET_NAMES", "default_journal", "journal_path", "masked", "read_settings"]

DEFAULT_ENV_FILE = ".env"
SECRET_NAMES = frozenset({"OMS_API_KEY", "OMS_API_SECRET", "OMS_PRIVATE_KEY_PASSWORD"})


def read_settings(env_file: str | None, env: str | None = None) -> dict[str, str]:
    """``env_file`` under the process environment, ``env`` over both. ``None`` is the default
    ``.env``, read when it exists; a file named on the command line must exist.

    Raises:
        CliError: the file named is missing, cannot be read or has a line that is not
            ``NAME=VALUE``.
    """
    from transports.binance.config import ConfigError, parse_dotenv  # noqa: PLC0415

    values: dict[str, str] = {}
    path = DEFAULT_ENV_FILE if env_file is None else env_file
    if env_file is not None and (not os.path.exists(env_file) or os.path.isdir(env_file)):
        raise CliError(
            f"--env-file {env_file}: no such file (give the path of a .env file, or"
            " /dev/null for none)",
            status=2,
        )
    if env_file is not None or os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as fh:
                values.update(parse_dotenv(fh.read()))
        except ConfigError as exc:  # its message names the line: say which file
            line = str(exc).removeprefix(".env ")
            raise CliError(f"{path} {line} (see .env.example)", status=2) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read {path}: {exc} (see .env.example)", status=2) from None
    values.update(os.environ)
    if env:
        values["OMS_ENV"] = env
    return values


def default_journal(env: str, values: dict[str, str]) -> Path:
    data = values.get("XDG_DATA_HOME", "").strip()
    base = Path(data) if data else Path(values.get("HOME", "~")).expanduser() / ".local/share"
    return base / "oms" / f"{env}.sqlite3"


def journal_path(values: dict[str, str], env: str) -> tuple[str, bool]:
    """The journal's path, and whether it is the default (its folder may be created)."""
    given = values.get("OMS_JOURNAL", "").strip()
    if given:
        return given, False
    return str(default_journal(env, values)), True


def masked(name: str, value: str) -> str:
    """A setting's value fit to print: the API key shows its last 4 chars (to tell keys
    apart) and its length; a secret or password shows its length only, never a character."""
    if name not in SECRET_NAMES or not value:
        return value
    tail = value[-4:] if name == "OMS_API_KEY" and len(value) >= 16 else ""
    return f"***{tail} ({len(value)} chars)"
