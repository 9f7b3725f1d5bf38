"""Print the configuration reference, generated from ``config/settings.py``.

``python manage.py settings_reference > docs/operations/configuration.md`` writes the reference;
``--format env > .env.example`` writes the example environment file. A test fails when either
file differs from this command's output, as the permission matrix is checked against its table.

Every environment variable the settings module reads is found in its source: a call of a
django-environ reader (``env.str("NAME", default=...)``, ``env.int``, ``env.list``…). Its meaning
is the ``#:`` comment on the lines just above the call; its default is the literal ``default=``,
or the words of a ``#: default: …`` line when the default is computed (``1 if _SQLITE else 8``).
A variable read without a ``#:`` comment, or with a computed default and no words for it, is
refused, so the reference cannot fall behind the settings.
"""

from __future__ import annotations

import ast
import re
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# django-environ's readers and what their values look like.
READERS = {
    "str": "text",
    "int": "integer",
    "float": "number",
    "bool": "true / false",
    "list": "comma-separated list",
    "dict": "comma-separated key=value",
    "db_url": "database URL",
    "email_url": "e-mail URL",
}
NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
SECTION_RE = re.compile(r"^# --- (?P<title>.+?) -+$")
DEFAULT_PREFIX = "default:"
GENERAL = "General"


@dataclass
class Variable:
    name: str
    kind: str
    meaning: str
    section: str
    # The value as it would be written in the environment; None when it is computed.
    literal: str | None
    # The default in words (``#: default: …``), or "" to render the literal.
    words: str
    required: bool

    @property
    def markdown_default(self) -> str:
        if self.words:
            return self.words
        if self.required:
            return "required"
        if not self.literal:
            return "empty"
        return f"`{self.literal}`"


@dataclass
class _Read:
    name: str
    kind: str
    line: int
    meaning: str
    words: str
    has_default: bool
    literal: str | None


def _literal(node: ast.expr) -> str | None:
    """The default as it would be written in the environment, or None if it is computed."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, str | int | float):
            return str(value)
        return None
    if isinstance(node, ast.List | ast.Tuple):
        items = [_literal(item) for item in node.elts]
        written = [item for item in items if item is not None]
        return ",".join(written) if len(written) == len(items) else None
    if isinstance(node, ast.Dict):
        keys = [key for key in node.keys if key is not None]
        if len(keys) != len(node.keys):
            return None  # a ** spread
        pairs = [(_literal(k), _literal(v)) for k, v in zip(keys, node.values, strict=True)]
        if any(k is None or v is None for k, v in pairs):
            return None
        return ",".join(f"{k}={v}" for k, v in pairs)
    return None


def _is_env_read(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr not in READERS or not node.args:
        return False
    first = node.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return False
    if not NAME_RE.match(first.value):
        return False
    receiver = node.func.value
    if isinstance(receiver, ast.Name):
        return receiver.id == "env"
    # environ.Env().str("ATELIER_VAR_DIR", ...), read before ``env`` exists.
    return isinstance(receiver, ast.Call) and ast.unparse(receiver.func) in {"environ.Env", "Env"}


def _doc_comment(lines: list[str], line: int) -> tuple[str, str]:
    """The ``#:`` meaning and ``#: default:`` words in the comment block just above ``line``."""
    block: list[str] = []
    index = line - 2  # the line above, 0-based
    while index >= 0 and lines[index].strip().startswith("#"):
        block.insert(0, lines[index].strip())
        index -= 1
    meaning, words = [], []
    for comment in block:
        if not comment.startswith("#:"):
            continue
        text = comment[2:].strip()
        if text.lower().startswith(DEFAULT_PREFIX):
            words.append(text[len(DEFAULT_PREFIX) :].strip())
        else:
            meaning.append(text)
    return " ".join(meaning), " ".join(words)


def read_settings(path: Path) -> tuple[str, list[Variable]]:
    """The settings module's docstring and every variable it reads, in the order of the file."""
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    sections = [
        (number, match["title"])
        for number, text in enumerate(lines, start=1)
        if (match := SECTION_RE.match(text.strip()))
    ]
    reads: list[_Read] = []
    for node in ast.walk(tree):
        if not _is_env_read(node):
            continue
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        default = next((kw.value for kw in node.keywords if kw.arg == "default"), None)
        if default is None and len(node.args) > 2:
            default = node.args[2]  # env.str(name, cast, default)
        meaning, words = _doc_comment(lines, node.lineno)
        reads.append(
            _Read(
                name=node.args[0].value,  # type: ignore[attr-defined]
                kind=READERS[node.func.attr],
                line=node.lineno,
                meaning=meaning,
                words=words,
                has_default=default is not None,
                literal=_literal(default) if default is not None else None,
            )
        )
    reads.sort(key=lambda read: read.line)

    problems: list[str] = []
    variables: dict[str, Variable] = {}
    first_line: dict[str, int] = {}
    for read in reads:
        first_line.setdefault(read.name, read.line)
    by_name: dict[str, list[_Read]] = {}
    for read in reads:
        by_name.setdefault(read.name, []).append(read)
    for name, occurrences in by_name.items():
        documented = [read for read in occurrences if read.meaning]
        if not documented:
            problems.append(
                f"{path.name}:{occurrences[0].line}: {name} has no `#:` comment saying what it "
                "means (put one on the line above the read)."
            )
            continue
        if len(documented) > 1:
            lines_ = ", ".join(str(read.line) for read in documented)
            problems.append(f"{path.name}: {name} is described more than once (lines {lines_}).")
            continue
        read = documented[0]
        if read.has_default and read.literal is None and not read.words:
            problems.append(
                f"{path.name}:{read.line}: the default of {name} is computed; say it in words "
                "with a `#: default: …` line."
            )
            continue
        line = first_line[name]
        section = next((title for number, title in reversed(sections) if number < line), GENERAL)
        variables[name] = Variable(
            name=name,
            kind=read.kind,
            meaning=read.meaning,
            section=section,
            literal=read.literal,
            words=read.words,
            required=not read.has_default,
        )
    if problems:
        raise CommandError("\n".join(problems))
    ordered = sorted(variables.values(), key=lambda variable: first_line[variable.name])
    return ast.get_docstring(tree) or "", ordered


def _section_title(title: str) -> str:
    return re.sub(r"\((apps/[\w/.]+)\)", r"(`\1`)", title)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(docstring: str, variables: list[Variable]) -> str:
    out = [
        "# Configuration reference",
        "",
        "<!-- Generated by `python manage.py settings_reference` from config/settings.py: do not "
        "edit by hand. Change the `#:` comments in config/settings.py and run the command again; "
        "tests/core/test_settings_reference.py fails when this file and the command differ. -->",
        "",
        docstring.replace("``", "`"),
        "",
        "Set these variables in the environment of every process (web, worker and beat): the "
        "app reads the process environment only, never a file. [.env.example](../../.env.example) "
        "lists every variable with its default; [production.md](production.md) says how "
        "docker compose passes them on.",
    ]
    section = None
    for variable in variables:
        if variable.section != section:
            section = variable.section
            out += [
                "",
                f"## {_section_title(section)}",
                "",
                "| variable | type | default | meaning |",
                "| --- | --- | --- | --- |",
            ]
        out.append(
            f"| `{variable.name}` | {variable.kind} | {_cell(variable.markdown_default)} | "
            f"{_cell(variable.meaning)} |"
        )
    return "\n".join(out) + "\n"


def _comment(text: str) -> list[str]:
    return textwrap.wrap(
        text, width=98, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False
    )


def render_env(variables: list[Variable]) -> str:
    out = [
        *_comment(
            "Atelier's environment variables, each with its default, commented out: with none "
            "set the app runs on its embedded defaults. Generated by `python manage.py "
            "settings_reference --format env` from config/settings.py (a test keeps the two "
            "equal); docs/operations/configuration.md explains each."
        ),
        *_comment(
            "The app reads the process environment only. docker compose fills in, from a .env "
            "beside docker-compose.yml, only the variables that file names (and POSTGRES_PASSWORD, "
            "for its own PostgreSQL): add any other you set to its `environment:` block. For "
            "`make run`, copy this file to .env, set what you need and export it first:"
        ),
        "#     set -a; . ./.env; set +a; make run",
    ]
    section = None
    for variable in variables:
        if variable.section != section:
            section = variable.section
            out += ["", "", f"# --- {section} ".ljust(100, "-")]
        note = variable.meaning
        if variable.words:
            note += f" Default: {variable.words}."
        elif variable.required:
            note += " Required."
        out += ["", *_comment(note)]
        value = variable.literal if variable.literal is not None and not variable.words else ""
        # Quoted where a shell would read it otherwise (`set -a; . ./.env`); compose agrees.
        out.append(f"# {variable.name}={shlex.quote(value) if value else ''}")
    return "\n".join(out) + "\n"


class Command(BaseCommand):
    help = (
        "Print the configuration reference (docs/operations/configuration.md) or, with "
        "--format env, the example environment file (.env.example), from config/settings.py."
    )
    requires_system_checks: list[str] = []  # a half-configured install still gets its reference

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["markdown", "env"], default="markdown")
        parser.add_argument(
            "--source",
            type=Path,
            default=Path(settings.BASE_DIR) / "config" / "settings.py",
            help="The settings module to read (default: config/settings.py).",
        )

    def handle(self, *args, **options):
        docstring, variables = read_settings(options["source"])
        if options["format"] == "env":
            text = render_env(variables)
        else:
            text = render_markdown(docstring, variables)
        self.stdout.write(text, ending="")
