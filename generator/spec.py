"""The shape of every data file, written once for the validator and the JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path

from generator.fields import (
    Bool, Date, DateTime, DictOf, Enum, Int, List, Map, Number, Str,
)

LETTER_ID = r"[A-Z]{1,6}-\d{4}-\d{5,7}"
DEPARTMENT_ID = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
USER_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
PERIOD = r"\d{4}(?:-(?:0[1-9]|1[0-2])|-Q[1-4]|-H[12]|-B[1-6])?"

CHANNELS = ["leader_mailbox", "forum", "microblog", "mobile", "online_petition", "hotline"]
LETTER_TYPES = ["consultation", "complaint", "opinion", "suggestion"]
COMPLEXITIES = ["general", "complex"]
REPLY_KINDS = ["interim", "final"]
DECISIONS = ["approved", "rejected"]
CATEGORIES = ["town", "county_department", "vertical_unit"]

department_ref = Str("A department id from data/departments.yaml.", pattern=DEPARTMENT_ID,
                     example="town-fucheng")

LETTER = Map(
    {
        "id": Str("Letter id, equal to the file name without .yaml.", pattern=LETTER_ID,
                  example="HF-2026-00123"),
        "received": DateTime("When the letter arrived; without an offset it is read as Beijing time."),
        "channel": Enum(CHANNELS, "Where the letter came in."),
        "type": Enum(LETTER_TYPES, "Consultation, complaint, opinion or suggestion."),
        "complexity": Enum(COMPLEXITIES, "General letters are due in 5 working days, complex ones in 15.",
                           required=False, default="general"),
        "public": Bool("False when the author asked to keep the letter private; it is then counted but never shown.",
                       required=False, default=True),
        "hidden": Bool("True when the office withdrew the letter from publication.", required=False,
                       default=False),
        "author": Str("The author's pseudonym; never a real name.", max_length=40),
        "title": Str("Title as the author wrote it.", max_length=200),
        "body": Str("Text of the letter."),
        "attachments": List(Str("File name of an attachment.", max_length=200), required=False, default=[]),
        "assignment": Map(
            {
                "departments": List(department_ref, "Lead department first, then co-handling ones.",
                                    min_items=1, unique=True),
                "at": DateTime("When the office assigned the letter."),
            },
            "Who handles the letter (交办).",
            required=False,
        ),
        "replies": List(
            Map(
                {
                    "at": DateTime("When the reply was published."),
                    "department": department_ref,
                    "kind": Enum(REPLY_KINDS, "Interim (受理, 正在办理) or final."),
                    "text": Str("Text of the reply."),
                }
            ),
            "Published replies, oldest first.",
            required=False,
            default=[],
        ),
        "extension": Map(
            {
                "requested_at": DateTime("When the department asked for more time."),
                "department": department_ref,
                "until": Date("The date the department asks to finish by."),
                "reason": Str("Why more time is needed."),
                "decision": Enum(DECISIONS, "The office's decision; absent while pending.", required=False),
                "decided_at": DateTime("When the office decided.", required=False),
            },
            "A request for more time (延期).",
            required=False,
        ),
        "completed_at": DateTime("When the matter was closed (办结).", required=False),
        "ratings": Map(
            {
                "author": Int("The author's score.", minimum=1, maximum=5, required=False),
                # A county's readers number in the millions at most; a larger count is a typing error.
                "readers": DictOf(Int(minimum=1, maximum=5), Int(minimum=0, maximum=10_000_000),
                                  "Other readers' scores: score -> number of readers.",
                                  required=False, default={}),
            },
            "Satisfaction ratings (1 = very unsatisfied, 5 = very satisfied).",
            required=False,
        ),
        "supervision": List(
            Map(
                {
                    "at": DateTime("When the supervision office took the letter up (督办)."),
                    "due": Date("New deadline set by the supervision office."),
                    "note": Str("What the supervision office asked for.", required=False),
                }
            ),
            required=False,
            default=[],
        ),
        "redo": List(
            Map(
                {
                    "at": DateTime("When the handling was ordered redone (重新办理)."),
                    "due": Date("New deadline for the redone handling."),
                    "reason": Str("Why the handling must be redone."),
                    "completed_at": DateTime("When the redone handling was finished.", required=False),
                }
            ),
            required=False,
            default=[],
        ),
        "related": List(Str(pattern=LETTER_ID, example="HF-2025-00042"),
                        "Earlier letters on the same matter.", required=False, default=[], unique=True),
    },
    title="Letter",
)

PERSON = Map({"name": Str(max_length=40), "title": Str(required=False, max_length=60)})

DEPARTMENTS = Map(
    {
        "office": Map(
            {
                "name": Str("Name of the inquiry office."),
                "members": List(Str(pattern=USER_NAME, example="wang-clerk"),
                                "Git user names allowed to register, assign, approve and rate.", min_items=1),
            }
        ),
        "departments": List(
            Map(
                {
                    "id": Str(pattern=DEPARTMENT_ID, example="town-fucheng"),
                    "name": Str("Chinese name as published.", max_length=60),
                    "category": Enum(CATEGORIES, "The group the department is ranked in."),
                    "spokesperson": Map({"name": Str(max_length=40), "title": Str(required=False)},
                                        "The online spokesperson (网络发言人)."),
                    "assistants": List(PERSON, required=False, default=[]),
                    "editors": List(Str(pattern=USER_NAME, example="li-fucheng"),
                                    "Git user names allowed to edit this department's replies.",
                                    required=False, default=[]),
                    "phones": List(Str(pattern=r"[0-9()+\- ]{5,20}", example="0660-6612345"),
                                   "Office telephone numbers that may appear in replies.",
                                   required=False, default=[]),
                }
            ),
            min_items=1,
        ),
    },
    title="Departments",
)

MEASURE = Map(
    {
        "label": Str("Name of the measure in the site's language.", required=False),
        "all_of": Map(
            {
                "completion_rate_below": Number(minimum=0, maximum=1, required=False),
                "on_time_completion_rate_below": Number(minimum=0, maximum=1, required=False),
                "reply_rate_below": Number(minimum=0, maximum=1, required=False),
                "satisfaction_below": Number("Share of satisfied ratings.", minimum=0, maximum=1,
                                             required=False),
                "red_yellow_at_least": Int(minimum=0, required=False),
                "red_at_least": Int(minimum=0, required=False),
                "redo_at_least": Int(minimum=0, required=False),
            },
            "Conditions that must all hold for a department to be named.",
        ),
        "explanation": Bool("True when a department named for this measure must publish a public "
                            "explanation.", required=False, default=True),
    }
)

POLICY = Map(
    {
        "time_zone": Str("IANA time zone for dates without an offset.", example="Asia/Shanghai"),
        "deadlines": Map(
            {
                "reply": Int("Working days to the first reply.", minimum=1),
                "completion": Map({"general": Int(minimum=1), "complex": Int(minimum=1)},
                                  "Working days to completion, by complexity."),
            }
        ),
        "lights": Map(
            {
                "green_reply_within": Int("Green needs a reply within this many working days.", minimum=1),
                "green_completion_within": Int("... and completion within this many.", minimum=1),
                "yellow_open_after": Int("An open letter turns yellow after this many working days.",
                                         minimum=1),
                "red_open_after": Int("An open letter without a valid extension turns red after this many.",
                                      minimum=1),
            }
        ),
        "extension": Map({"request_by_working_day": Int(
            "Latest working day on which an extension may be requested.", minimum=1)}),
        "backdating_tolerance_working_days": Int(
            "A date may precede the commit that recorded it by this many working days.", minimum=0),
        "calendar": Map(
            {
                "warn_next_year_missing_from_month": Int(
                    "From this month on, a missing schedule for next year is a warning.", minimum=1,
                    maximum=12),
                "fixed_holidays": List(Str(pattern=r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", example="10-01"),
                                       "Month-day public holidays used for years without a schedule.",
                                       unique=True),
            }
        ),
        "satisfaction": Map({"satisfied_min_score": Int(
            "A rating at or above this score counts as satisfied.", minimum=1, maximum=5)}),
        "ranking": Map(
            {
                "min_letters": Int("Departments with fewer letters in the period are not ranked.", minimum=1),
                "confidence_z": Number("z value of the Wilson lower bound used for rates.", minimum=0,
                                       maximum=4),
                "weights": DictOf(
                    Enum(["reply_rate", "completion_rate", "on_time_reply_rate", "on_time_completion_rate",
                          "satisfaction", "green_rate"]),
                    Number(minimum=0, maximum=1),
                    "Weight of each rate in the score; the weights must add up to 1.",
                ),
            }
        ),
        "accountability": Map(
            {
                "reminder": MEASURE,
                "admonition": MEASURE,
                "rectification": MEASURE,
                "periods": List(Enum(["year", "half", "quarter", "bimonth", "month"]),
                                "Kinds of period an accountability list is drawn up for, once the period "
                                "has ended.", required=False, default=["bimonth"], min_items=1, unique=True),
                "explanation_due_working_days": Int(
                    "Working days after the period ends by which an explanation is due.", minimum=1),
            }
        ),
        "site": Map(
            {
                "stale_after_hours": Int("Warn readers when the data is older than this.", minimum=1),
                "letters_per_page": Int(minimum=10, maximum=500),
                "latest_replies": Int(minimum=1, maximum=100),
            }
        ),
    },
    title="Policy",
)

CALENDAR_NOTICE = Map(
    {
        "notice": Str("Title of the notice (State Council or local)."),
        "issued": Date("Date the notice was issued.", required=False),
        "kind": Enum(["official", "local"], "An official State Council schedule or a local adjustment."),
        "years": List(Int(minimum=2000, maximum=2100), "Years whose schedule this notice sets.", min_items=1),
        "holidays": List(
            Map({"name": Str(), "from": Date(), "to": Date()}),
            "Days off, as inclusive date ranges.", required=False, default=[]),
        "working_days": List(
            Map({"name": Str(), "date": Date()}),
            "Weekend days made working days (调休上班).", required=False, default=[]),
    },
    title="Calendar notice",
)

EXPLANATION = Map(
    {
        "department": department_ref,
        "period": Str(pattern=PERIOD, example="2026-Q3"),
        "published_at": DateTime("When the department published its explanation."),
        "text": Str("The department's public explanation."),
        "measures": List(Str(), "What the department will change.", required=False, default=[]),
    },
    title="Public explanation",
)

SCHEMAS = {
    "letter": LETTER,
    "departments": DEPARTMENTS,
    "policy": POLICY,
    "calendar-notice": CALENDAR_NOTICE,
    "explanation": EXPLANATION,
}

SCHEMA_DIR = Path(__file__).parent / "schemas"


def json_schema(name: str) -> dict:
    body = SCHEMAS[name].schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://wenzheng.example/schemas/{name}.schema.json",
        **body,
    }


def write_json_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Regenerate the shipped JSON Schema files from the definitions above."""
    written = []
    for name in SCHEMAS:
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(json_schema(name), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_json_schemas():
        print(written_path)
