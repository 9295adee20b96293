"""Open data files under ``site/data/``: letters and figures, as JSON and as CSV.

Published letters carry their public fields (the author's pseudonym, title,
text, replies, dates, lights); a private or hidden letter carries only its
id, dates, lead department and light. CSV files are UTF-8 with a byte-order
mark so that Excel reads the Chinese text. A text cell from a data file that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, so a spreadsheet shows it instead of evaluating it as a
formula.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from generator.stats import Stats, csv_bytes, stats_csv_rows

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

LETTER_COLUMNS = [
    "id", "published", "received", "completed_at", "lead_department", "light", "flags", "reply_due",
    "completion_due", "red_line", "type", "channel", "complexity", "departments", "author", "title", "body",
    "replies", "first_reply_at", "author_rating", "readers_ratings", "url",
]


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


def letter_record(letter, status, url: str | None) -> dict:
    """Return the open-data record of one letter; ``letter`` is the masked copy when published."""
    record = {
        "id": letter.id,
        "published": url is not None,
        "received": _time(letter.received),
        "completed_at": _time(letter.completed_at) if status.completed else None,
        "lead_department": letter.lead,
        "light": status.light,
    }
    if url is None:
        return record
    extension = letter.extension
    record.update({
        "flags": list(status.flags),
        "reply_due": status.reply_due.isoformat(),
        "completion_due": status.completion_due.isoformat(),
        "red_line": status.red_line.isoformat(),
        "type": letter.type,
        "channel": letter.channel,
        "complexity": letter.complexity,
        "departments": list(letter.departments),
        "assigned_at": _time(letter.assigned_at),
        "author": letter.author,
        "title": letter.title,
        "body": letter.body,
        "attachments": list(letter.attachments),
        "replies": [{"at": _time(reply.at), "department": reply.department, "kind": reply.kind,
                     "text": reply.text} for reply in letter.replies],
        "extension": None if extension is None else {
            "requested_at": _time(extension.requested_at), "department": extension.department,
            "until": extension.until.isoformat(), "reason": extension.reason, "decision": extension.decision,
            "decided_at": _time(extension.decided_at)},
        "supervision": [{"at": _time(mark.at), "due": mark.due.isoformat(), "note": mark.note}
                        for mark in letter.supervision],
        "redo": [{"at": _time(redo.at), "due": redo.due.isoformat(), "reason": redo.reason,
                  "completed_at": _time(redo.completed_at)} for redo in letter.redo],
        "ratings": {"author": letter.rating_author,
                    "readers": {str(score): count for score, count in sorted(letter.rating_readers.items())}},
        "related": list(letter.related),
        "url": url,
    })
    return record


def csv_text(value) -> str:
    """Return a cell for text from a data file, defused against spreadsheet formula evaluation."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def letter_csv_row(record: dict) -> list:
    if not record["published"]:
        return [record["id"], "false", record["received"], record["completed_at"] or "",
                record["lead_department"] or "", record["light"], *[""] * (len(LETTER_COLUMNS) - 6)]
    replies = record["replies"]
    readers = record["ratings"]["readers"]
    return [
        record["id"], "true", record["received"], record["completed_at"] or "", record["lead_department"] or "",
        record["light"], " ".join(record["flags"]), record["reply_due"], record["completion_due"],
        record["red_line"], record["type"], record["channel"], record["complexity"],
        " ".join(record["departments"]), csv_text(record["author"]), csv_text(record["title"]),
        csv_text(record["body"]), len(replies), min((reply["at"] for reply in replies), default=""),
        record["ratings"]["author"] or "", " ".join(f"{score}:{count}" for score, count in readers.items()),
        record["url"],
    ]


def write_letters(folder: Path, records: list[dict], as_of: str) -> None:
    """Write letters.json and letters.csv into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "letters.json", "w", encoding="utf-8") as stream:
        json.dump({"as_of": as_of, "letters": records}, stream, ensure_ascii=False, separators=(",", ":"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LETTER_COLUMNS)
    writer.writerows(letter_csv_row(record) for record in records)
    (folder / "letters.csv").write_bytes(buffer.getvalue().encode("utf-8-sig"))


def write_figures(folder: Path, stats: Stats, departments: dict) -> None:
    """Write figures.json (every period, figure, ranking and list) and figures.csv into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    document = stats.to_json()
    document["departments"] = {
        department.id: {"name": department.name, "category": department.category,
                        "spokesperson": department.spokesperson.name}
        for department in departments.values()
    }
    with open(folder / "figures.json", "w", encoding="utf-8") as stream:
        json.dump(document, stream, ensure_ascii=False, separators=(",", ":"))
    (folder / "figures.csv").write_bytes(csv_bytes(defuse_figure_rows(stats_csv_rows(stats))))


def defuse_figure_rows(rows: list[list]) -> list[list]:
    """Defuse the department name, the only cell of the figures table taken from a data file."""
    return [rows[0], *([*row[:3], csv_text(row[3]), *row[4:]] for row in rows[1:])]


def write_build_info(folder: Path, theme: dict) -> None:
    """Write ``build.json``: what every page's script needs from the latest build.

    Archived letter pages are built once and reused, so the moment the data
    is as of and the list of search bundles reach them through this file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "as_of": theme["as_of"],
        "as_of_iso": theme["as_of_iso"],
        "stale_after_hours": theme["stale_after_hours"],
        "search_bundles": theme["search_bundles"],
    }
    (folder / "build.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
