"""Domain objects built from validated data files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class Reply:
    at: dt.datetime
    department: str
    kind: str
    text: str


@dataclass(slots=True)
class Extension:
    requested_at: dt.datetime
    department: str
    until: dt.date
    reason: str
    decision: str | None = None
    decided_at: dt.datetime | None = None


@dataclass(slots=True)
class Supervision:
    at: dt.datetime
    due: dt.date
    note: str | None = None


@dataclass(slots=True)
class Redo:
    at: dt.datetime
    due: dt.date
    reason: str
    completed_at: dt.datetime | None = None


@dataclass(slots=True)
class Letter:
    id: str
    received: dt.datetime
    channel: str
    type: str
    complexity: str
    public: bool
    hidden: bool
    author: str
    title: str
    body: str
    path: str = ""
    attachments: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    assigned_at: dt.datetime | None = None
    replies: list[Reply] = field(default_factory=list)
    extension: Extension | None = None
    completed_at: dt.datetime | None = None
    rating_author: int | None = None
    rating_readers: dict[int, int] = field(default_factory=dict)
    supervision: list[Supervision] = field(default_factory=list)
    redo: list[Redo] = field(default_factory=list)
    related: list[str] = field(default_factory=list)

    @property
    def published(self) -> bool:
        """True when the letter's text may appear in any output."""
        return self.public and not self.hidden

    @property
    def lead(self) -> str | None:
        return self.departments[0] if self.departments else None

    @property
    def first_reply(self) -> Reply | None:
        return min(self.replies, key=lambda reply: reply.at) if self.replies else None

    @classmethod
    def from_checked(cls, data: dict, path: str = "") -> Letter:
        assignment = data.get("assignment") or {}
        ratings = data.get("ratings") or {}
        extension = data.get("extension")
        return cls(
            id=data["id"],
            received=data["received"],
            channel=data["channel"],
            type=data["type"],
            complexity=data["complexity"] or "general",
            public=True if data["public"] is None else data["public"],
            hidden=bool(data["hidden"]),
            author=data["author"],
            title=data["title"],
            body=data["body"],
            path=path,
            attachments=list(data.get("attachments") or []),
            departments=list(assignment.get("departments") or []),
            assigned_at=assignment.get("at"),
            replies=[Reply(**reply) for reply in data.get("replies") or [] if reply],
            extension=Extension(**extension) if extension else None,
            completed_at=data.get("completed_at"),
            rating_author=ratings.get("author"),
            rating_readers=dict(ratings.get("readers") or {}),
            supervision=[Supervision(**item) for item in data.get("supervision") or [] if item],
            redo=[Redo(**item) for item in data.get("redo") or [] if item],
            related=list(data.get("related") or []),
        )


@dataclass(slots=True)
class Person:
    name: str
    title: str | None = None


@dataclass(slots=True)
class Department:
    id: str
    name: str
    category: str
    spokesperson: Person
    assistants: list[Person] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    @classmethod
    def from_checked(cls, data: dict) -> Department:
        return cls(
            id=data["id"],
            name=data["name"],
            category=data["category"],
            spokesperson=Person(**data["spokesperson"]),
            assistants=[Person(**person) for person in data.get("assistants") or []],
            editors=list(data.get("editors") or []),
            phones=list(data.get("phones") or []),
        )


@dataclass(slots=True)
class Office:
    name: str
    members: list[str]


@dataclass(slots=True)
class Explanation:
    department: str
    period: str
    published_at: dt.datetime
    text: str
    measures: list[str] = field(default_factory=list)
    path: str = ""
