"""User-facing errors and the problem records that validation collects."""

from __future__ import annotations

from dataclasses import dataclass, field


class WenzhengError(Exception):
    """A mistake in the user's data or command line, printed without a traceback."""

    exit_code = 1


class DataError(WenzhengError):
    """The data files hold problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem], summary: str | None = None):
        self.problems = problems
        errors = sum(1 for problem in problems if problem.severity == "error")
        text = summary or f"{errors} error(s) in the data files"
        lines = [problem.format() for problem in problems[:50]]
        if len(problems) > 50:
            lines.append(f"... and {len(problems) - 50} more")
        super().__init__(text + ":\n" + "\n".join(lines) if lines else text)


@dataclass(slots=True)
class Problem:
    """One thing wrong in one data file, located as precisely as possible.

    ``field`` is a dotted path such as ``replies[0].at``; ``line`` and
    ``column`` are 1-based and 0 when unknown (a file that could not be read).
    """

    file: str
    field: str
    message: str
    expected: str = ""
    found: str = ""
    hint: str = ""
    line: int = 0
    column: int = 0
    severity: str = "error"
    code: str = ""
    path: tuple = field(default=(), repr=False)

    def format(self) -> str:
        location = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        text = f"{location}: "
        if self.severity == "warning":
            text += "warning: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.expected or self.found:
            text += f" (expected {self.expected}, found {self.found})"
        if self.hint:
            text += f"; {self.hint}"
        return text

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
            "hint": self.hint,
        }
