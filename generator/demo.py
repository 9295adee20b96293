"""Synthetic letters for the fictional county 示范县, covering every light and flag.

``build()`` draws letters received over a period that ends on ``end``. It
plans each letter's history (assignment, replies, extension, completion,
ratings, supervision, redo) for an outcome chosen in advance. Evaluated as of
the end of ``end``, the letters show every light and every flag that valid
data can carry. The tests compare the planned outcome with
``generator.lights.evaluate``.

Departments differ in quality: in each category a few are clearly worse, so
the rankings and the accountability list have something to show. All draws
come from one ``random.Random(seed)`` in a fixed order, so a seed always gives
the same letters.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from dataclasses import dataclass
from pathlib import Path

from generator import demo_text as text
from generator.policy import Policy
from generator.workdays import WorkCalendar
from generator.writer import dump_letter, letter_path

log = logging.getLogger(__name__)

ID_PREFIX = "HF"

# Outcome code -> (expected light, flags that lights.evaluate must report).
OUTCOMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "unassigned": ("none", ()),
    "new": ("none", ()),
    "green": ("green", ()),
    "late_reply": ("yellow", ("replied_late",)),
    "open_yellow": ("yellow", ()),
    "reply_overdue": ("yellow", ("reply_overdue",)),
    "extension_pending": ("yellow", ("extension_pending",)),
    "extended_open": ("yellow", ("extended",)),
    "completed_after_extension": ("yellow", ("extended", "completed_after_extension")),
    "extension_rejected": ("red", ("extension_rejected",)),
    "completed_late": ("red", ("completed_late",)),
    "overdue": ("red", ("overdue",)),
    "overdue_no_reply": ("red", ("reply_overdue", "overdue")),
    "extension_expired": ("red", ("extended",)),
}

# Outcome weights by department quality, for letters old enough to be past
# the red line (more than 15 working days).
LATE_WEIGHTS = {
    "good": {"green": 90, "late_reply": 3, "completed_after_extension": 2, "extension_rejected": 0.3,
             "completed_late": 2, "overdue": 0.4, "overdue_no_reply": 0.1, "extension_expired": 0.3,
             "extended_open": 2, "extension_pending": 1},
    "fair": {"green": 82, "late_reply": 5, "completed_after_extension": 3.5, "extension_rejected": 0.7,
             "completed_late": 3, "overdue": 1, "overdue_no_reply": 0.3, "extension_expired": 0.7,
             "extended_open": 2, "extension_pending": 1.5},
    "poor": {"green": 62, "late_reply": 11, "completed_after_extension": 7, "extension_rejected": 2,
             "completed_late": 9, "overdue": 4, "overdue_no_reply": 1.5, "extension_expired": 2,
             "extended_open": 3, "extension_pending": 2},
    "bad": {"green": 38, "late_reply": 12, "completed_after_extension": 5, "extension_rejected": 4,
            "completed_late": 13, "overdue": 14, "overdue_no_reply": 7, "extension_expired": 4,
            "extended_open": 2, "extension_pending": 1},
}

# The same for letters between the yellow and the red threshold.
EARLY_WEIGHTS = {
    "good": {"green": 60, "late_reply": 4, "open_yellow": 20, "reply_overdue": 2, "extension_pending": 7,
             "extended_open": 7},
    "fair": {"green": 48, "late_reply": 7, "open_yellow": 24, "reply_overdue": 6, "extension_pending": 7,
             "extended_open": 8},
    "poor": {"green": 36, "late_reply": 10, "open_yellow": 28, "reply_overdue": 11, "extension_pending": 7,
             "extended_open": 8},
    "bad": {"green": 24, "late_reply": 10, "open_yellow": 30, "reply_overdue": 20, "extension_pending": 8,
            "extended_open": 8},
}

# Chance that a letter left open past the red line is closed late once it is 60 working days old.
# The bad departments leave most of theirs open, so their completion rate drops.
LATE_CLOSE = {"good": 0.8, "fair": 0.8, "poor": 0.4, "bad": 0.15}

# Working days after which every letter is closed, late if need be: in a real archive the
# letters of past years are finished, which is what lets a build reuse those years' pages.
CLOSED_AGE = 260
OPEN_OUTCOMES = ("overdue", "overdue_no_reply", "extension_expired", "extension_rejected")

# Chance that a letter is finished within its first 5 working days, by quality.
QUICK_SHARE = {"good": 0.75, "fair": 0.6, "poor": 0.45, "bad": 0.3}

# Author's score distribution (1..5) by light, before the department's quality shifts it.
SCORES = {
    "green": (3, 5, 12, 35, 45),
    "yellow": (8, 12, 25, 33, 22),
    "red": (30, 25, 22, 15, 8),
    "none": (10, 10, 30, 30, 20),
}
QUALITY_TILT = {"good": 0.0, "fair": 0.15, "poor": 0.35, "bad": 0.55}

CHANNELS = {"leader_mailbox": 15, "forum": 33, "microblog": 10, "mobile": 20, "online_petition": 12,
            "hotline": 10}

# Share of the letters of the last two working days that the office has not assigned yet.
UNASSIGNED_RECENT_SHARE = 0.3
PRIVATE_SHARE = 0.05
HIDDEN_SHARE = 0.01
FOLLOW_UP_SHARE = 0.05
ATTACHMENT_SHARE = 0.12


@dataclass(slots=True)
class DemoDepartment:
    id: str
    name: str
    category: str
    phones: tuple[str, ...]
    quality: str = "good"


@dataclass(slots=True)
class DemoLetter:
    """A generated letter and the outcome it was planned to show as of the end date."""

    letter: dict
    outcome: str
    supervised: bool = False
    redo: str | None = None  # "done" (in time), "late", "open" or None

    @property
    def expected_light(self) -> str | None:
        """Return the light ``lights.evaluate`` should report, or None when a redo decides it."""
        if self.redo == "late":
            return "red"
        if self.redo == "open":
            return None
        return OUTCOMES[self.outcome][0]

    @property
    def expected_flags(self) -> tuple[str, ...]:
        flags = list(OUTCOMES[self.outcome][1])
        if self.supervised:
            flags.append("supervised")
        if self.redo:
            flags.append("redo")
        if self.redo == "late":
            flags.append("redo_overdue")
        if self.redo in ("open", "late"):
            # An open redo reopens the letter, so the flags of the first handling may not hold.
            flags = [flag for flag in flags if flag in ("supervised", "redo", "redo_overdue")]
        return tuple(flags)


def normalize_departments(departments) -> list[DemoDepartment]:
    """Accept the checked departments.yaml mapping, its list, or Department objects or a dict of them."""
    if isinstance(departments, dict) and "departments" in departments:
        departments = departments["departments"]
    if isinstance(departments, dict):
        departments = list(departments.values())
    table = []
    for item in departments:
        if isinstance(item, dict):
            table.append(DemoDepartment(item["id"], item["name"], item["category"],
                                        tuple(item.get("phones") or ())))
        else:
            table.append(DemoDepartment(item.id, item.name, item.category, tuple(item.phones or ())))
    if not table:
        raise ValueError("the department table is empty; demo letters need at least one department")
    return sorted(table, key=lambda department: department.id)


def assign_qualities(table: list[DemoDepartment], rng: random.Random) -> None:
    """Mark about one in eight departments of each category bad and one in seven poor."""
    for category in sorted({department.category for department in table}):
        members = [department for department in table if department.category == category]
        rng.shuffle(members)
        count = len(members)
        bad = max(1, round(count * 0.12)) if count >= 3 else 0
        poor = max(1, round(count * 0.15)) if count >= 3 else 0
        fair = round(count * 0.3)
        for index, department in enumerate(members):
            if index < bad:
                department.quality = "bad"
            elif index < bad + poor:
                department.quality = "poor"
            elif index < bad + poor + fair:
                department.quality = "fair"
            else:
                department.quality = "good"


def build(count: int, seed: int, end: dt.date, departments, policy, calendar: WorkCalendar,
          years: float = 1.0) -> list[DemoLetter]:
    """Generate ``count`` letters received in the ``years`` up to ``end``, with their planned outcomes."""
    if not isinstance(policy, Policy):
        policy = Policy(policy)
    generator = _Generator(seed, end, normalize_departments(departments), policy, calendar, years)
    return generator.run(count)


def generate(count: int, seed: int, end: dt.date, departments, policy, calendar: WorkCalendar,
             years: float = 1.0) -> list[dict]:
    """Generate ``count`` letter mappings, ready for ``writer.dump_letter``."""
    return [item.letter for item in build(count, seed, end, departments, policy, calendar, years)]


def write_letters(letters: list[dict], letters_dir: Path) -> int:
    """Write each letter to ``<letters_dir>/<year>/<month>/<id>.yaml``; return the number written."""
    created_folders: set[Path] = set()
    for letter in letters:
        path = letter_path(letters_dir, letter["id"], letter["received"])
        if path.parent not in created_folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            created_folders.add(path.parent)
        path.write_text(dump_letter(letter), encoding="utf-8")
    return len(letters)


def summarize(items: list[DemoLetter]) -> dict[str, int]:
    """Count letters per planned outcome, in the order of OUTCOMES, plus supervision and redo."""
    counts = {code: 0 for code in OUTCOMES}
    for item in items:
        counts[item.outcome] += 1
    counts = {code: number for code, number in counts.items() if number}
    counts["supervised"] = sum(1 for item in items if item.supervised)
    counts["redo"] = sum(1 for item in items if item.redo)
    counts["private"] = sum(1 for item in items if item.letter.get("public") is False)
    counts["hidden"] = sum(1 for item in items if item.letter.get("hidden"))
    return counts


def _cumulative(weights) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


class _Generator:
    def __init__(self, seed: int, end: dt.date, table: list[DemoDepartment], policy: Policy,
                 calendar: WorkCalendar, years: float):
        self.rng = random.Random(seed)
        self.end = end
        self.policy = policy
        self.zone = policy.zone
        self.calendar = calendar
        self.years = years
        self.table = table
        self.by_id = {department.id: department for department in table}
        assign_qualities(table, self.rng)
        self.towns = [department for department in table if department.category == "town"]
        self.town_weights = _cumulative(0.6 + self.rng.random() for _ in self.towns)
        self.topic_weights = _cumulative(topic.weight for topic in text.TOPICS)
        self.channel_names = list(CHANNELS)
        self.channel_weights = _cumulative(CHANNELS.values())
        # Extensions end by 31 December of the last year with an official schedule, so no
        # letter's red line becomes provisional.
        last_official = max((year for year in calendar.official_years if year <= end.year + 1),
                            default=end.year)
        self.latest_until = dt.date(max(last_official, end.year), 12, 31)
        self.earlier: dict[tuple[str, str], list[str]] = {}

    # Receipt times and ids

    def _receipt_moments(self, count: int) -> list[dt.datetime]:
        rng = self.rng
        span = max(1, round(365 * self.years))
        start = self.end - dt.timedelta(days=span - 1)
        days, weights = [], []
        for offset in range(span):
            day = start + dt.timedelta(days=offset)
            season = 1.0 + 0.2 * math.sin(2 * math.pi * (day.timetuple().tm_yday / 365.0) * 2)
            working = self.calendar.is_working_day(day)
            days.append(day)
            weights.append(season * (1.0 if working else 0.3))
        chosen = rng.choices(days, cum_weights=_cumulative(weights), k=count)
        moments = []
        for day in chosen:
            working = self.calendar.is_working_day(day)
            draw = rng.random()
            if working and draw < 0.72:
                minute = rng.randrange(8 * 60, 18 * 60)
            elif working and draw < 0.92:
                minute = rng.randrange(18 * 60, 23 * 60 + 30)
            elif working:
                minute = rng.randrange(0, 8 * 60)
            else:
                minute = rng.randrange(8 * 60, 23 * 60)
            moments.append(dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60,
                                       rng.randrange(60), tzinfo=self.zone))
        moments.sort()
        return moments

    def run(self, count: int) -> list[DemoLetter]:
        moments = self._receipt_moments(count)
        sequence: dict[int, int] = {}
        items = []
        for received in moments:
            sequence[received.year] = sequence.get(received.year, 0) + 1
            letter_id = f"{ID_PREFIX}-{received.year}-{sequence[received.year]:05d}"
            items.append(_LetterPlan(self, letter_id, received).make())
        log.debug("Generated %d demo letters", len(items))
        return items

    # Shared draws

    def pick_town(self) -> DemoDepartment | None:
        if not self.towns:
            return None
        return self.rng.choices(self.towns, cum_weights=self.town_weights)[0]

    def resolve(self, handler: str, category: str, town: DemoDepartment | None) -> DemoDepartment:
        """Map a topic's handler to a department of the table, falling back by category."""
        if handler == "town" and town is not None:
            return town
        if handler in self.by_id:
            return self.by_id[handler]
        same = [department for department in self.table if department.category == category]
        return self.rng.choice(same or self.table)


class _LetterPlan:
    """Plans one letter's text, departments and dated events, then fills in the letter mapping."""

    def __init__(self, generator: _Generator, letter_id: str, received: dt.datetime):
        self.g = generator
        self.rng = generator.rng
        self.calendar = generator.calendar
        self.id = letter_id
        self.received = received
        self.day0 = received.date()
        self.age = self.calendar.elapsed(self.day0, generator.end)
        self._work: dict[int, dt.date] = {0: self.day0}
        self.events: list[tuple[int, int, str, object]] = []
        self.supervised = False
        self.redo_state: str | None = None
        self.assign_day: int | None = None

    def work(self, index: int) -> dt.date:
        """Return the date of working day ``index`` after receipt (day 0 is the receipt date)."""
        if index not in self._work:
            self._work[index] = self.calendar.add(self.day0, index)
        return self._work[index]

    def early(self, low: int, high: int) -> int:
        """Draw a working day in [low, high], most often near ``low``."""
        if high <= low:
            return low
        return low + int((high - low + 1) * self.rng.random() ** 1.8)

    def uniform(self, low: int, high: int) -> int:
        return low if high <= low else self.rng.randint(low, high)

    def plan(self, day: int, kind: str, payload=None) -> None:
        self.events.append((day, len(self.events), kind, payload))

    # The letter itself

    def make(self) -> DemoLetter:
        rng, g = self.rng, self.g
        topic = rng.choices(text.TOPICS, cum_weights=g.topic_weights)[0]
        town = g.pick_town()
        lead = g.resolve(topic.handler, topic.category, town)
        if lead.category == "town":
            town = lead
        values = text.slot_values(rng, town.name if town else "县城")
        letter_type = rng.choices(list(topic.types), weights=list(topic.types.values()))[0]
        channel = rng.choices(g.channel_names, cum_weights=g.channel_weights)[0]
        complexity = "complex" if rng.random() < topic.complex_rate else "general"
        self.lead, self.topic = lead, topic
        self.cohandlers = self.choose_cohandlers(topic, town) if complexity == "complex" else []
        self.letter_type, self.values, self.complexity = letter_type, values, complexity
        related = self.earlier_letters(topic, town)
        follow_up = related[-1] if related and rng.random() < 0.7 else None

        title, body = text.letter_text(rng, topic, letter_type, channel, values, follow_up)
        letter = {
            "id": self.id,
            "received": self.received,
            "channel": channel,
            "type": letter_type,
            "complexity": complexity,
            "author": text.author_name(rng),
            "title": title,
            "body": body,
        }
        draw = rng.random()
        if draw < PRIVATE_SHARE:
            letter["public"] = False
        elif draw < PRIVATE_SHARE + HIDDEN_SHARE:
            letter["hidden"] = True
        if rng.random() < ATTACHMENT_SHARE:
            letter["attachments"] = [f"现场照片{index}.jpg" for index in range(1, 2 + rng.randrange(3))]
        if related:
            letter["related"] = related

        outcome = self.plan_history()
        self.write_events(letter)
        self.add_ratings(letter, outcome)
        return DemoLetter(letter, outcome, self.supervised, self.redo_state)

    def choose_cohandlers(self, topic: text.Topic, town: DemoDepartment | None) -> list[DemoDepartment]:
        """Pick up to two co-handling departments for most complex letters."""
        cohandlers: list[DemoDepartment] = []
        if not topic.cohandlers or self.rng.random() >= 0.8:
            return cohandlers
        for handler in topic.cohandlers[: 1 + self.rng.randrange(2)]:
            if handler == "town":
                candidate = self.g.resolve(handler, "town", town)
            else:
                candidate = self.g.by_id.get(handler)
            if candidate and candidate.id != self.lead.id and candidate not in cohandlers:
                cohandlers.append(candidate)
        return cohandlers

    def earlier_letters(self, topic: text.Topic, town: DemoDepartment | None) -> list[str]:
        """Link a few letters to the latest earlier ones on the same topic and town."""
        earlier = self.g.earlier.setdefault((topic.key, town.id if town else ""), [])
        related = []
        if earlier and self.rng.random() < FOLLOW_UP_SHARE:
            if self.rng.random() < 0.8 or len(earlier) < 2:
                related = [earlier[-1]]
            else:
                related = [earlier[-2], earlier[-1]]
        earlier.append(self.id)
        return related

    # Choosing and planning the history

    def plan_history(self) -> str:
        rng = self.rng
        self.assign_day = self.assignment_day()
        if self.assign_day is None:
            return "unassigned"
        self.plan(self.assign_day, "assign")
        quality = self.lead.quality
        if self.age <= self.g.policy.lights["yellow_open_after"]:
            quick = QUICK_SHARE[quality] * min(1.0, (self.age + 1) / 6)
            if self.complexity == "complex":
                quick /= 2
            if self.age >= self.assign_day and rng.random() < quick:
                return self.plan_green()
            return self.plan_new()
        table = EARLY_WEIGHTS if self.age <= self.g.policy.lights["red_open_after"] else LATE_WEIGHTS
        weights = table[quality]
        # A planner returns None, having planned nothing, when the letter's age rules its outcome
        # out. An extension still open on a letter received months ago is one case; draw again.
        for _ in range(4):
            outcome = rng.choices(list(weights), weights=list(weights.values()))[0]
            if outcome in ("overdue", "overdue_no_reply") and self.age > 60 and rng.random() < LATE_CLOSE[quality]:
                outcome = "completed_late"
            if outcome in OPEN_OUTCOMES and self.age > CLOSED_AGE:
                outcome = "completed_late"
            result = getattr(self, f"plan_{outcome}")()
            if result:
                return result
        return self.plan_green()

    def assignment_day(self) -> int | None:
        """Return the working day of assignment, or None while the office has not assigned the letter."""
        received = self.received
        if self.age <= 1 and self.rng.random() < UNASSIGNED_RECENT_SHARE:
            return None
        if self.calendar.is_working_day(self.day0) and received.hour < 16:
            return 0
        if self.age >= 1:
            return 1
        return None

    def first_reply(self, low: int | None = None, high: int = 5, kind: str = "interim") -> int:
        day = self.early(self.assign_day if low is None else low, min(high, self.age))
        self.plan(day, "reply", kind)
        return day

    def cohandler_replies(self, low: int, high: int) -> None:
        for department in self.cohandlers:
            if self.rng.random() < 0.6 and high >= low:
                self.plan(self.uniform(low, high), "cohandler", department)

    def complete(self, day: int) -> None:
        self.plan(day, "reply", "final")
        self.plan(day, "complete")

    def plan_new(self) -> str:
        if self.age >= self.assign_day and self.rng.random() < 0.5:
            self.first_reply(high=self.age)
        return "new"

    def plan_green(self) -> str:
        age, rng = self.age, self.rng
        reply_limit = self.g.policy.reply_days
        if self.complexity == "general":
            reply = self.early(self.assign_day, min(reply_limit, age))
            draw = rng.random()
            if age > reply_limit and draw < 0.04:
                self.plan(reply, "reply", "interim")
                self.complete(self.uniform(reply_limit + 1, min(15, age)))
            elif draw < 0.6:
                self.complete(reply)
            else:
                self.plan(reply, "reply", "interim")
                self.complete(self.early(reply, min(reply_limit, age)))
            return "green"
        reply = self.first_reply(high=reply_limit)
        finish = self.early(min(max(reply, 4), min(15, age)), min(15, age))
        self.cohandler_replies(reply, finish)
        self.complete(finish)
        return "green"

    def plan_late_reply(self) -> str | None:
        if self.age < 6:
            return None
        reply = self.uniform(6, min(12, self.age))
        if self.rng.random() < 0.5:
            self.complete(reply)
        else:
            self.plan(reply, "reply", "interim")
            finish = self.uniform(reply, min(15, self.age))
            self.cohandler_replies(reply, finish)
            self.complete(finish)
        return "late_reply"

    def plan_open_yellow(self) -> str | None:
        if not 6 <= self.age <= 15:
            return None
        reply = self.first_reply()
        self.cohandler_replies(reply, self.age)
        self.maybe_supervise(6, self.age, 0.08)
        return "open_yellow"

    def plan_reply_overdue(self) -> str | None:
        if not 6 <= self.age <= 15:
            return None
        self.maybe_supervise(6, self.age, 0.15)
        return "reply_overdue"

    def until(self, low: int, high: int) -> tuple[int, dt.date]:
        """Draw an extension's target day in [low, high] working days and cap it at the schedule's end."""
        days = self.uniform(low, high)
        return days, min(self.work(days), self.g.latest_until)

    def request_extension(self, day: int, until: dt.date, decision: str | None, decided: int | None) -> None:
        self.plan(day, "ext_request", until)
        if decision:
            self.plan(decided, "ext_decision", decision)

    def plan_extension_pending(self) -> str | None:
        low = max(5, self.age - 5)
        if self.age < 6 or low > min(14, self.age):
            return None
        _, until = self.until(max(20, self.age + 3), max(20, self.age + 3) + 15)
        if until < self.g.end:
            return None
        reply = self.first_reply()
        request = self.uniform(max(reply, low), min(14, self.age))
        self.request_extension(request, until, None, None)
        return "extension_pending"

    def plan_extended_open(self) -> str | None:
        if not 6 <= self.age <= 40:
            return None
        low = max(20, self.age + 1)
        _, until = self.until(low, low + 10)
        if until < self.g.end:
            return None
        reply = self.first_reply()
        request = self.uniform(max(reply, 6), min(14, self.age))
        decided = min(self.age, request + self.uniform(0, 2))
        self.cohandler_replies(reply, self.age)
        self.request_extension(request, until, "approved", decided)
        return "extended_open"

    def plan_completed_after_extension(self) -> str | None:
        if self.age < 17:
            return None
        days, until = self.until(20, 35)
        finish = self.uniform(16, min(days, self.age))
        while finish > 16 and self.work(finish) > until:
            finish -= 1
        if self.work(finish) > until:
            return None
        reply = self.first_reply()
        request = self.uniform(max(reply, 8), 14)
        decided = request + self.uniform(0, 2)
        self.cohandler_replies(reply, finish)
        self.request_extension(request, until, "approved", decided)
        self.complete(finish)
        return "completed_after_extension"

    def plan_extension_rejected(self) -> str | None:
        if self.age < 17:
            return None
        reply = self.first_reply()
        request = self.uniform(max(reply, 8), 14)
        decided = request + self.uniform(1, 3)
        _, until = self.until(20, 30)
        self.request_extension(request, until, "rejected", decided)
        if self.rng.random() < 0.6:
            finish = self.uniform(max(16, decided), max(decided, min(35, self.age)))
            self.complete(finish)
            self.maybe_supervise(16, finish - 1, 0.3)
        else:
            self.maybe_supervise(16, self.age, 0.6)
        return "extension_rejected"

    def plan_completed_late(self) -> str | None:
        if self.age < 16:
            return None
        finish = min(self.age, 16 + int(self.rng.expovariate(1 / 8)))
        if self.rng.random() < 0.2:
            reply = self.uniform(6, 12)
            self.plan(reply, "reply", "interim")
        else:
            reply = self.first_reply()
        self.cohandler_replies(reply, finish)
        self.complete(finish)
        self.maybe_supervise(16, finish - 1, 0.3)
        return "completed_late"

    def plan_overdue(self) -> str | None:
        if self.age < 16:
            return None
        reply = self.first_reply()
        self.cohandler_replies(reply, self.age)
        self.maybe_supervise(16, self.age, 0.6)
        return "overdue"

    def plan_overdue_no_reply(self) -> str | None:
        if self.age < 16:
            return None
        self.maybe_supervise(16, self.age, 0.6)
        return "overdue_no_reply"

    def plan_extension_expired(self) -> str | None:
        if self.age < 22:
            return None
        _, until = self.until(20, min(30, self.age - 2))
        past = self.calendar.elapsed(self.day0, until) + 1
        if past > self.age:
            return None
        reply = self.first_reply()
        request = self.uniform(max(reply, 8), 14)
        decided = request + self.uniform(0, 2)
        self.request_extension(request, until, "approved", decided)
        if self.rng.random() < 0.5:
            finish = self.uniform(past, min(past + 15, self.age))
            self.complete(finish)
            self.maybe_supervise(past, finish - 1, 0.3)
        else:
            self.maybe_supervise(past, self.age, 0.6)
        return "extension_expired"

    def maybe_supervise(self, low: int, high: int, chance: float) -> None:
        if high < low or self.rng.random() >= chance:
            return
        first = self.uniform(low, high)
        self.plan(first, "supervision")
        self.supervised = True
        second = first + self.uniform(6, 12)
        if second <= high and self.rng.random() < 0.3:
            self.plan(second, "supervision")

    # Turning the plan into dated fields

    def stamp(self, day: dt.date, after: dt.datetime) -> dt.datetime:
        """Return a time on ``day`` within office hours (sometimes the evening), not before ``after``."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.9:
            minute = rng.randrange(8 * 60 + 30, 17 * 60 + 50)
        else:
            minute = rng.randrange(18 * 60 + 30, 22 * 60 + 30)
        moment = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60),
                             tzinfo=self.g.zone)
        if moment < after:
            moment = after + dt.timedelta(minutes=rng.randrange(3, 90), seconds=rng.randrange(60))
            if moment.date() != day:
                moment = after
        return moment

    def write_events(self, letter: dict) -> None:
        lead = self.lead
        last = self.received
        replies, supervision = [], []
        extension = None
        for day, _, kind, payload in sorted(self.events, key=lambda event: (event[0], event[1])):
            if kind == "supervision":
                moment = self.stamp(self.work(day), self.received)
                due = self.calendar.add(moment.date(), 5)
                supervision.append({"at": moment, "due": due, "note": text.supervision_note(self.rng)})
                continue
            moment = self.stamp(self.work(day), last)
            last = moment
            if kind == "assign":
                departments = [lead.id] + [department.id for department in self.cohandlers]
                letter["assignment"] = {"departments": departments, "at": moment}
            elif kind == "reply":
                replies.append(self.reply(moment, payload))
            elif kind == "cohandler":
                replies.append({"at": moment, "department": payload.id, "kind": "interim",
                                "text": text.cohandler_reply(self.rng, payload.name)})
            elif kind == "ext_request":
                extension = {"requested_at": moment, "department": lead.id, "until": payload,
                             "reason": text.extension_reason(self.rng)}
            elif kind == "ext_decision":
                extension["decision"] = payload
                extension["decided_at"] = moment
            elif kind == "complete":
                letter["completed_at"] = moment
        if replies:
            letter["replies"] = replies
        if extension:
            letter["extension"] = extension
        if supervision:
            letter["supervision"] = sorted(supervision, key=lambda item: item["at"])

    def reply(self, moment: dt.datetime, kind: str) -> dict:
        lead = self.lead
        if kind == "final":
            phone = lead.phones[0] if lead.phones else None
            body = text.final_reply(self.rng, self.topic, self.letter_type, lead.name, phone, self.values)
        else:
            body = text.interim_reply(self.rng, lead.name)
        return {"at": moment, "department": lead.id, "kind": kind, "text": body}

    # Ratings and redo orders

    def score(self, light: str, quality: str) -> int:
        rng = self.rng
        weights = SCORES[light]
        if rng.random() < QUALITY_TILT[quality]:
            weights = SCORES["red"]
        return rng.choices((1, 2, 3, 4, 5), weights=weights)[0]

    def add_ratings(self, letter: dict, outcome: str) -> None:
        rng = self.rng
        light = OUTCOMES[outcome][0]
        quality = self.lead.quality
        ratings: dict = {}
        completed = "completed_at" in letter
        if completed and rng.random() < 0.55:
            ratings["author"] = self.score(light, quality)
        published = letter.get("public", True) and not letter.get("hidden", False)
        if published and letter.get("replies") and rng.random() < 0.5:
            readers = min(40, int(rng.paretovariate(1.4)))
            counts: dict[int, int] = {}
            for _ in range(readers):
                value = self.score(light, quality)
                counts[value] = counts.get(value, 0) + 1
            if counts:
                ratings["readers"] = {value: counts[value] for value in sorted(counts, reverse=True)}
        if ratings:
            letter["ratings"] = ratings
        if completed and ratings.get("author", 5) <= 2 and rng.random() < 0.45:
            self.order_redo(letter)

    def order_redo(self, letter: dict) -> None:
        rng = self.rng
        finished = letter["completed_at"]
        done_day = self.calendar.elapsed(self.day0, finished.date())
        room = self.age - done_day
        if room < 3:
            return
        ordered = done_day + self.uniform(1, min(5, room - 1))
        at = self.stamp(self.work(ordered), finished)
        due = self.calendar.add(at.date(), 10)
        redo = {"at": at, "due": due, "reason": text.redo_reason(rng)}
        left = self.age - ordered
        draw = rng.random()
        if left >= 2 and draw < 0.6:
            finish = ordered + self.uniform(2, min(10, left))
            self.redo_state = "done"
        elif left >= 11 and draw < 0.8:
            finish = ordered + self.uniform(11, min(20, left))
            self.redo_state = "late"
        elif self.age > CLOSED_AGE:
            finish = ordered + self.uniform(11, min(20, left))
            self.redo_state = "late"
        else:
            finish = None
            self.redo_state = "late" if self.g.end > due else "open"
        if finish is not None:
            moment = self.stamp(self.work(finish), at)
            letter["replies"].append({"at": moment, "department": self.lead.id, "kind": "final",
                                      "text": text.redo_reply(rng, self.lead.name)})
            redo["completed_at"] = self.stamp(self.work(finish), moment)
            if self.work(finish) > due:
                self.redo_state = "late"
        letter["redo"] = [redo]
