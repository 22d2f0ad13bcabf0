"""Config discovery, strict parsing and one-line errors naming the file and key."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from equipshare.config import (
    CONFIG_ENV,
    DATABASE_URL_ENV,
    BookingDefaults,
    Settings,
    load_settings,
    parse_settings,
)
from equipshare.domain.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_example_file_parses_to_the_defaults() -> None:
    example = ROOT / "equipshare.toml"
    assert parse_settings(example.read_text(), example) == Settings()


def test_example_file_and_readme_document_every_key() -> None:
    example = (ROOT / "equipshare.toml").read_text()
    readme = (ROOT / "README.md").read_text()
    for section in dataclasses.fields(Settings):
        if section.name == "source":
            continue
        assert f"[{section.name}]" in example
        assert f"[{section.name}]" in readme, f"[{section.name}] missing from README"
        if not dataclasses.is_dataclass(getattr(Settings(), section.name)):
            assert section.metadata.get("doc"), f"[{section.name}] has no doc"
            continue  # a free-form table, such as [keymap]
        for key in dataclasses.fields(getattr(Settings(), section.name)):
            assert key.metadata.get("doc"), f"{section.name}.{key.name} has no doc"
            assert re.search(rf"^#?\s*{key.name}\s*=", example, re.M) or (
                f"[{section.name}.{key.name}]" in example
            ), f"{section.name}.{key.name} missing from equipshare.toml"
            assert f"`{key.name}`" in readme, f"{section.name}.{key.name} missing from README"


def test_values_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        '[organisation]\nname = "Warwick RTP"\ntimezone = "Europe/Dublin"\n'
        "[booking]\nslot_minutes = 15\n"
        "[booking.opening_hours]\nsat = ['10:00-12:00', '13:00-24:00']\n",
    )
    settings = load_settings(path, environ={})
    assert settings.organisation.name == "Warwick RTP"
    assert settings.organisation.timezone == "Europe/Dublin"
    assert settings.booking.slot_minutes == 15
    assert settings.booking.opening_minutes() == {5: [(600, 720), (780, 1440)]}
    assert settings.source == path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[organisation]\ncolour = 'red'\n", r"\[organisation\] colour: unknown key"),
        ("[nonsense]\n", r"nonsense: unknown key"),
        (
            "[booking]\nslot_minutes = 'thirty'\n",
            r"\[booking\] slot_minutes: expected a whole number",
        ),
        ("[booking]\nslot_minutes = 7\n", r"\[booking\] slot_minutes: must divide a day"),
        (
            "[booking]\nrequires_approval = 1\n",
            r"\[booking\] requires_approval: expected true or false",
        ),
        ("[booking]\nmin_minutes = 600\n", r"\[booking\] min_minutes"),
        (
            "[booking]\nmax_minutes = 20190\n",
            r"\[booking\] max_minutes: must be between 1 and 20160, not 20190",
        ),
        (
            "[booking]\nwaitlist_hold_minutes = 0\n",
            r"\[booking\] waitlist_hold_minutes: must be between 1 and 10080, not 0",
        ),
        (
            "[organisation]\ntimezone = 'Europe/Londn'\n",
            r"timezone: unknown time zone 'Europe/Londn'",
        ),
        ("[booking.opening_hours]\nmon = ['17:00-09:00']\n", r"opening_hours\] mon: '17:00-09:00'"),
        ("[booking.opening_hours]\nfunday = []\n", r"opening_hours\] funday: not one of"),
        ("organisation = 3\n", r"\[organisation\]: expected a table"),
        ("[organisation\nname = 'x'\n", r"line 1"),
        (  # an unassigned code point, which hypothesis found accepted
            "[organisation]\nname = '\U0002fa1e'\n",
            r"\[organisation\] name: holds a character that cannot be shown",
        ),
    ],
)
def test_bad_files_give_one_line_naming_file_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert re.search(expected, message), message
    assert caught.value.exit_code == 2


def test_discovery_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = write(tmp_path / "explicit.toml", "[organisation]\nname = 'explicit'\n")
    from_env = write(tmp_path / "env.toml", "[organisation]\nname = 'env'\n")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    write(cwd / "equipshare.toml", "[organisation]\nname = 'cwd'\n")
    user_dir = tmp_path / "user"
    user_dir.mkdir()
    write(user_dir / "equipshare.toml", "[organisation]\nname = 'user'\n")
    monkeypatch.setattr("equipshare.config.user_config_path", lambda: user_dir / "equipshare.toml")
    monkeypatch.chdir(cwd)
    env = {CONFIG_ENV: str(from_env)}
    assert load_settings(explicit, environ=env).organisation.name == "explicit"
    assert load_settings(None, environ=env).organisation.name == "env"
    assert load_settings(None, environ={}).organisation.name == "cwd"
    (cwd / "equipshare.toml").unlink()
    assert load_settings(None, environ={}).organisation.name == "user"
    (user_dir / "equipshare.toml").unlink()
    assert load_settings(None, environ={}).source is None


def test_missing_named_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="given with --config"):
        load_settings(tmp_path / "nope.toml", environ={})
    with pytest.raises(ConfigError, match=r"\$EQUIPSHARE_CONFIG"):
        load_settings(None, environ={CONFIG_ENV: str(tmp_path / "nope.toml")})


def test_database_url_precedence(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[database]\nurl = 'sqlite:///file.db'\n")
    env = {DATABASE_URL_ENV: "sqlite:///env.db"}
    assert load_settings(path, "sqlite:///flag.db", env).database_url == "sqlite:///flag.db"
    assert load_settings(path, None, env).database_url == "sqlite:///env.db"
    assert load_settings(path, None, {}).database_url == "sqlite:///file.db"


def test_default_database_is_sqlite_in_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("equipshare.config.user_config_path", lambda: tmp_path / "none.toml")
    url = load_settings(None, None, {}).database_url
    assert url.startswith("sqlite:///") and url.endswith("/equipshare/equipshare.db")


def test_default_opening_hours_are_weekdays_nine_to_five() -> None:
    hours = BookingDefaults().opening_minutes()
    assert hours == {day: [(540, 1020)] for day in range(5)}
