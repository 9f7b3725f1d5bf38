"""The configuration reference and .env.example are what config/settings.py reads, as
`python manage.py settings_reference` prints them (like the permission matrix and its table)."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "config" / "settings.py"
REFERENCE = ROOT / "docs" / "operations" / "configuration.md"
ENV_EXAMPLE = ROOT / ".env.example"


def reference(*args: str) -> str:
    out = io.StringIO()
    call_command("settings_reference", *args, stdout=out)
    return out.getvalue()


def test_the_configuration_reference_is_the_one_settings_py_reads():
    assert REFERENCE.read_text() == reference(), (
        "docs/operations/configuration.md is out of date: run "
        "`python manage.py settings_reference > docs/operations/configuration.md`"
    )


def test_the_env_example_is_the_one_settings_py_reads():
    assert ENV_EXAMPLE.read_text() == reference("--format", "env"), (
        ".env.example is out of date: run "
        "`python manage.py settings_reference --format env > .env.example`"
    )


def test_every_variable_settings_py_reads_has_a_row_and_an_example_line():
    # Found by a plain search of the source, independently of the command's parser.
    read = set(
        re.findall(
            r"\.(?:str|int|float|bool|list|dict|db_url|email_url)\(\s*\"([A-Z][A-Z0-9_]*)\"",
            SETTINGS.read_text(),
        )
    )
    assert len(read) > 60  # the search itself still finds the settings' reads
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", REFERENCE.read_text(), re.M))
    examples = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.M))
    assert documented == read
    assert examples == read


def write_settings(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "settings.py"
    path.write_text('"""Test settings."""\nimport environ\n\nenv = environ.Env()\n' + body)
    return path


def test_a_variable_without_a_meaning_is_refused(tmp_path):
    source = write_settings(
        tmp_path,
        '#: The widest file.\nWIDE = env.int("WIDE", default=5)\n'
        "# A comment that says why, not what.\n"
        'NEW_LIMIT = env.int("NEW_LIMIT", default=3)\n',
    )
    with pytest.raises(CommandError) as refused:
        reference("--source", str(source))
    message = str(refused.value)
    assert "settings.py:8: NEW_LIMIT has no `#:` comment" in message
    assert "WIDE" not in message


def test_a_computed_default_must_be_said_in_words(tmp_path):
    computed = '#: Items per chunk.\nCHUNK = env.int("CHUNK", default=16 * THREADS)\n'
    with pytest.raises(CommandError, match="the default of CHUNK is computed"):
        reference("--source", str(write_settings(tmp_path, computed)))

    said = computed.replace("#: Items per chunk.\n", "#: Items per chunk.\n#: default: 16 × it\n")
    text = reference("--source", str(write_settings(tmp_path, said)))
    assert "| `CHUNK` | integer | 16 × it | Items per chunk. |" in text


def test_defaults_are_written_as_the_environment_would_hold_them(tmp_path):
    source = write_settings(
        tmp_path,
        "# --- Things (apps/things) ---------\n"
        '#: Hosts, comma-separated.\nHOSTS = env.list("HOSTS", default=["a.test", "b.test"])\n'
        '#: Switch | on or off.\nON = env.bool("ON", default=False)\n'
        '#: A wait.\nWAIT = env.float("WAIT", default=120.0)\n'
        '#: A name.\nNAME = env.str("NAME", default="")\n'
        '#: The key.\nKEY = env.str("KEY")\n',
    )
    text = reference("--source", str(source))
    assert "## Things (`apps/things`)" in text
    assert "| `HOSTS` | comma-separated list | `a.test,b.test` | Hosts, comma-separated. |" in text
    assert "| `ON` | true / false | `false` | Switch \\| on or off. |" in text
    assert "| `WAIT` | number | `120` | A wait. |" in text
    assert "| `NAME` | text | empty | A name. |" in text
    assert "| `KEY` | text | required | The key. |" in text

    env = reference("--format", "env", "--source", str(source))
    assert "# HOSTS=a.test,b.test\n" in env
    assert "# The key. Required.\n# KEY=\n" in env
