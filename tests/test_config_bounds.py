"""Settings are bounded at load (issue 17): one line naming the file and key, and exit 2."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from equipshare.config import MAX_CONFIG_BYTES, Settings, load_settings, parse_settings
from equipshare.domain.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def refusal(tmp_path: Path, text: str | bytes, name: str = "equipshare.toml") -> str:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{path}: ")
    assert caught.value.exit_code == 2
    return message.removeprefix(f"{path}: ")


def accepted(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "ok.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def int_fields() -> list[tuple[str, dataclasses.Field[object]]]:
    found = []
    for section in dataclasses.fields(Settings):
        value = getattr(Settings(), section.name)
        if dataclasses.is_dataclass(value):
            found += [(section.name, f) for f in dataclasses.fields(value) if f.type == "int"]
    return found


# The probe of issue 17: each of these was accepted, or failed later with a traceback.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[feeds]\ndays_ahead = 100000000\n",
            "[feeds] days_ahead: must be between 1 and 3660, not 100000000",
        ),
        (
            "[booking]\nmax_days_ahead = 99999999999999999999999\n",
            "[booking] max_days_ahead: must be between 1 and 3660, not 99999999999999999999999",
        ),
        ("[smtp]\nport = 70000\n", "[smtp] port: must be between 1 and 65535, not 70000"),
        ("[smtp]\nport = 0\n", "[smtp] port: must be between 1 and 65535, not 0"),
        (
            '[feeds]\nbase_url = "javascript:alert(document.cookie)"\n',
            "[feeds] base_url: must be an http, https or webcal URL, "
            "not 'javascript:alert(document.cookie)'",
        ),
        (
            '[booking.opening_hours]\nmon = ["09:00-12:00", "11:00-13:00"]\n',
            "[booking.opening_hours] mon: '09:00-12:00' and '11:00-13:00' overlap",
        ),
        (
            '[booking.opening_hours]\ntue = ["13:00-17:00", "08:00-13:30"]\n',
            "[booking.opening_hours] tue: '08:00-13:30' and '13:00-17:00' overlap",
        ),
    ],
)
def test_what_the_probe_found_is_refused_naming_file_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert refusal(tmp_path, text) == expected


@pytest.mark.parametrize("opener", ["[", "{a="])
def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path: Path, opener: str) -> None:
    assert refusal(tmp_path, "x = " + opener * 50_000) == "nested too deeply to be a config file"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[feeds]\nbase_url = "ftp://example.org"\n', r"base_url: must be an http, https or"),
        ('[feeds]\nbase_url = "file:///etc/passwd"\n', r"base_url: must be an http, https or"),
        ('[feeds]\nbase_url = "http://"\n', r"base_url: 'http://' has no valid host"),
        ('[feeds]\nbase_url = "https://a b.org"\n', r"base_url: .* has no valid host"),
        ('[feeds]\nbase_url = "https://x.org:99999"\n', r"base_url: .* has no valid host"),
        ('[feeds]\nbase_url = "https://[::1"\n', r"base_url: 'https://\[::1' is not a URL"),
        ('[feeds]\nbase_url = "https://u:pw@x.org"\n', r"must not hold a user name or password"),
        ('[feeds]\nbase_url = "https://x.org/?a=1"\n', r"must not hold a query"),
        ("[feeds]\ndays_back = -1\n", r"\[feeds\] days_back: must be between 0 and 3660, not -1"),
        ("[calendar]\nrefresh_minutes = 0\n", r"refresh_minutes: must be between 1 and 10080"),
        ("[booking]\nweekly_quota_hours = 169\n", r"weekly_quota_hours: must be between 0 and 168"),
        ("[booking]\nslot_minutes = 2880\n", r"slot_minutes: must be between 1 and 1440"),
        ("[notifications]\nmax_attempts = 1000\n", r"max_attempts: must be between 1 and 100"),
        ("[retention]\naudit_days = 10000000\n", r"audit_days: must be between 0 and 36600"),
        ("[booking]\nmin_minutes = 600\n", r"min_minutes: must be at most max_minutes \(480\)"),
        ('[booking.opening_hours]\nmon = ["09:00-09:00"]\n', r"mon: '09:00-09:00' is not an"),
        ('[booking.opening_hours]\nmon = ["23:00-24:30"]\n', r"mon: '23:00-24:30' is not an"),
        ('[booking.opening_hours]\nmon = ["25:00-26:00"]\n', r"mon: '25:00-26:00' is not an"),
        ('[organisation]\ntimezone = "../../etc/passwd"\n', r"timezone: unknown time zone"),
        ('[organisation]\ntimezone = "/etc/localtime"\n', r"timezone: unknown time zone"),
        (f'[organisation]\ntimezone = "{"A" * 5000}"\n', r"timezone: must be at most 200"),
        ('[organisation]\ntimezone = "Mars/Olympus_Mons"\n', r"timezone: unknown time zone"),
        ('[organisation]\nname = "A\\nB"\n', r"\[organisation\] name: must be one line"),
        ('[organisation]\nname = "\\u001b[31mred"\n', r"name: must be one line"),
        (f'[organisation]\nname = "{"n" * 201}"\n', r"name: must be at most 200 characters"),
        ('[smtp]\nfrom_address = "a@b.org\\r\\nBcc: x@y.org"\n', r"from_address: must be one"),
        ('[smtp]\nfrom_address = "nobody"\n', r"from_address: 'nobody' is not an address"),
        ('[smtp]\npassword_env = "hunter2 pw"\n', r"password_env: .* is not an environment"),
        ('[smtp]\nhost = "smtp.example.org/evil"\n', r"\[smtp\] host: .* is not a host name"),
        ('[tui]\ntheme = "../theme"\n', r"\[tui\] theme: '../theme' is not a theme name"),
        ('[keymap]\n"app\\nquit" = "q"\n', r"\[keymap\] 'app\\nquit': must be one line"),
        ("[keymap]\n" + "".join(f'"a.b{i}" = "x"\n' for i in range(501)), r"at most 500"),
        ('"\\u001b]0;pwned\\u0007" = 1\n', r"^'\\x1b\]0;pwned\\x07': unknown key$"),
        ("[booking]\nslot_minutes = 1e3\n", r"slot_minutes: expected a whole number, got 1000.0"),
        (
            "[booking]\nslot_minutes = [1, 2]\n",
            r"slot_minutes: expected a whole number, got a list",
        ),
        (
            "[booking]\nslot_minutes.a.b = 1\n",
            r"slot_minutes: expected a whole number, got a table",
        ),
        ("[booking]\nmax_days_ahead = 1" + "0" * 5000 + "\n", r"a number too long to read"),
    ],
)
def test_out_of_range_and_malformed_values_are_refused(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert re.search(expected, refusal(tmp_path, text))


def test_a_database_url_of_an_unknown_scheme_is_refused_without_its_password(
    tmp_path: Path,
) -> None:
    message = refusal(tmp_path, '[database]\nurl = "postgresq://eq:S3cretPW@db/eq"\n')
    assert message.startswith("[database] url: must start sqlite:/// or postgresql+psycopg://")
    assert "S3cretPW" not in message


@pytest.mark.parametrize(
    "text",
    [
        '[feeds]\nbase_url = "https://feeds.example.ac.uk/equipshare/"\n',
        '[feeds]\nbase_url = "webcal://feeds.example.ac.uk"\n',
        '[feeds]\nbase_url = "http://[::1]:8080"\n',
        "[smtp]\nport = 1\n[feeds]\ndays_ahead = 3660\ndays_back = 0\n",
        "[smtp]\nport = 65535\n[booking]\nmax_days_ahead = 1\nslot_minutes = 1440\n"
        "min_minutes = 1440\nmax_minutes = 20160\n",
        '[booking.opening_hours]\nsun = ["13:00-24:00", "00:00-09:00", "09:00-13:00"]\n',
        '[organisation]\ntimezone = "America/Argentina/Buenos_Aires"\nname = "Café Ünï"\n',
        '[database]\nurl = "postgresql+psycopg://eq@db.example.ac.uk/eq"\n',
        '[smtp]\nhost = "smtp.example.ac.uk"\nfrom_address = "equipshare@example.ac.uk"\n'
        'password_env = "EQUIPSHARE_SMTP_PASSWORD"\n',
    ],
)
def test_edges_of_the_ranges_are_accepted(tmp_path: Path, text: str) -> None:
    accepted(tmp_path, text)


def test_every_whole_number_declares_its_range_and_the_readme_shows_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for section, f in int_fields():
        bounds = f.metadata.get("bounds")
        assert bounds is not None, f"[{section}] {f.name}: declare bounds=(lowest, highest)"
        lowest, highest = bounds
        default = getattr(getattr(Settings(), section), f.name)
        assert lowest <= default <= highest, f"[{section}] {f.name}: default out of range"
        row = next(line for line in readme.splitlines() if f"`[{section}]` `{f.name}`" in line)
        assert f"| {lowest} to {highest} |" in row, f"README: [{section}] {f.name} range"


@pytest.mark.parametrize(("section", "name"), [(s, f.name) for s, f in int_fields()])
def test_one_past_either_end_of_every_range_is_refused(
    tmp_path: Path, section: str, name: str
) -> None:
    field = next(f for s, f in int_fields() if (s, f.name) == (section, name))
    lowest, highest = field.metadata["bounds"]
    for value in (lowest - 1, highest + 1):
        expected = f"[{section}] {name}: must be between {lowest} and {highest}, not {value}"
        assert refusal(tmp_path, f"[{section}]\n{name} = {value}\n") == expected


def test_a_key_of_many_dotted_parts_is_refused_before_the_parser_sees_it(tmp_path: Path) -> None:
    """tomllib's time grows with the square of a dotted key's parts: 300,000 took hours."""
    text = "[booking]\nslot_minutes" + ".a" * 100_000 + " = 1\n"
    assert refusal(tmp_path, text) == (
        "line 2: more than 16 dots in one key; no setting is nested that deep"
    )
    # Dots in strings and comments are text, not keys.
    accepted(
        tmp_path, f'# {"." * 50}\n[feeds]\nbase_url = "https://a{".b" * 40}.org" # {"." * 50}\n'
    )
    accepted(tmp_path, '[organisation]\nname = """A.\\""".B.C.D.E.F.G.H.I.J.K.L.M.N.O.P.Q.R"""\n')


def test_a_file_over_the_cap_is_refused_unread(tmp_path: Path) -> None:
    padding = "# " + "x" * 78 + "\n"
    text = padding * (MAX_CONFIG_BYTES // len(padding) + 1)
    assert refusal(tmp_path, text) == "larger than 256 KB; a config file is a few kilobytes"
    with pytest.raises(ConfigError, match="larger than 256 KB"):
        parse_settings(text, tmp_path / "given.toml")


def test_bad_utf8_is_one_line_and_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    assert refusal(tmp_path, b"[organisation]\nname = '\xff'\n") == (
        "not UTF-8 text (byte 0xff at offset 23)"
    )
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf[organisation]\nname = 'BOM'\n")
    assert load_settings(path, environ={}).organisation.name == "BOM"


def test_a_named_path_that_is_no_regular_file_is_refused(tmp_path: Path) -> None:
    for path, what in (
        (Path("/dev/zero"), "/dev/zero: not a regular file (given with --config)"),
        (tmp_path, f"{tmp_path}: not a regular file (given with --config)"),
        (tmp_path / ("n" * 5000), "config file not found (given with --config)"),
    ):
        with pytest.raises(ConfigError) as caught:
            load_settings(path, environ={})
        assert what in str(caught.value)


def test_a_file_name_with_a_line_break_is_named_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad\nname.toml"
    path.write_text("[smtp]\nport = 70000\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert str(caught.value) == f"{tmp_path}/bad\\x0aname.toml: [smtp] port: must be between " + (
        "1 and 65535, not 70000"
    )


def test_the_cli_exits_2_with_one_line_naming_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "equipshare.toml").write_text("[feeds]\ndays_ahead = 100000000\n")
    done = subprocess.run(
        [sys.executable, "-m", "equipshare", "--db", f"sqlite:///{tmp_path}/x.db", "db", "current"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"error: {tmp_path}/equipshare.toml: [feeds] days_ahead: must be between 1 and 3660, "
        "not 100000000\n"
    )
    assert not (tmp_path / "x.db").exists()
