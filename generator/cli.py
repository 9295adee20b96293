"""Command line: a thin layer that parses options and calls one function per command.

Each command lives in its own module under ``generator.commands`` and is
imported only when it runs, so ``wenzheng validate`` in a pre-commit hook does
not pay for MkDocs, charts or the spreadsheet reader.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from generator.errors import WenzhengError

# Command name -> "module:attribute" of its click command.
COMMANDS = {
    "validate": "generator.commands.validate:command",
    "deadline": "generator.commands.deadline:command",
    "lights": "generator.commands.lights:command",
    "stats": "generator.commands.stats:command",
    "build": "generator.commands.build:command",
    "serve": "generator.commands.build:serve_command",
    "demo": "generator.commands.demo:command",
    "import": "generator.commands.importer:command",
    "new": "generator.commands.edit:new_command",
    "assign": "generator.commands.edit:assign_command",
    "reply": "generator.commands.edit:reply_command",
    "extend": "generator.commands.edit:extend_command",
    "complete": "generator.commands.edit:complete_command",
    "rate": "generator.commands.edit:rate_command",
    "explain": "generator.commands.edit:explain_command",
    "check-change": "generator.commands.gitcheck:command",
    "redact": "generator.commands.privacy:redact_command",
    "audit": "generator.commands.privacy:audit_command",
}


class LazyGroup(click.Group):
    """Click group that imports a command's module only when the command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._available(name))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                return None
            raise
        return getattr(module, attribute)

    @staticmethod
    def _available(name: str) -> bool:
        module_name = COMMANDS[name].split(":")[0]
        return importlib.util.find_spec(module_name) is not None


class LogFormatter(logging.Formatter):
    """Print INFO lines bare and prefix the other levels with their name."""

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        if record.levelno == logging.INFO:
            return message
        return f"{record.levelname}: {message}"


def configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.INFO
    if quiet:
        level = logging.WARNING
    elif verbose:
        level = logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogFormatter("%(message)s"))
    root = logging.getLogger("generator")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Log every file read and written.")
@click.option("-q", "--quiet", is_flag=True, help="Log warnings and errors only.")
@click.version_option(package_name="wenzheng")
def cli(verbose: int, quiet: bool) -> None:
    """Validate, compute and publish a county's online inquiry letters."""
    configure_logging(verbose, quiet)


def main() -> None:
    try:
        cli(standalone_mode=False)
    except WenzhengError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as error:
        sys.exit(error.exit_code)
