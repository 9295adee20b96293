"""The county's policy: every deadline, threshold and weight, read from data/policy.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Policy:
    """Checked contents of data/policy.yaml, kept as the nested mapping plus shortcuts."""

    raw: dict

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.raw["time_zone"])

    @property
    def time_zone(self) -> str:
        return self.raw["time_zone"]

    @property
    def reply_days(self) -> int:
        return self.raw["deadlines"]["reply"]

    def completion_days(self, complexity: str) -> int:
        return self.raw["deadlines"]["completion"][complexity]

    @property
    def lights(self) -> dict:
        return self.raw["lights"]

    @property
    def extension_cutoff(self) -> int:
        return self.raw["extension"]["request_by_working_day"]

    @property
    def backdating_tolerance(self) -> int:
        return self.raw["backdating_tolerance_working_days"]

    @property
    def satisfied_min_score(self) -> int:
        return self.raw["satisfaction"]["satisfied_min_score"]

    @property
    def ranking(self) -> dict:
        return self.raw["ranking"]

    @property
    def accountability(self) -> dict:
        return self.raw["accountability"]

    @property
    def site(self) -> dict:
        return self.raw["site"]

    def deadline_numbers(self) -> dict[str, int]:
        """Return the deadline and light numbers under the names the site's sentences use."""
        lights = self.lights
        return {
            "reply": self.reply_days,
            "general": self.completion_days("general"),
            "complex": self.completion_days("complex"),
            "green_reply": lights["green_reply_within"],
            "green_completion": lights["green_completion_within"],
            "yellow": lights["yellow_open_after"],
            "red": lights["red_open_after"],
        }
