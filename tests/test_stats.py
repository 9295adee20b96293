"""Tests for department figures, county totals, the two-100% check and the stats command.

Working days in the data sets below, from the State Council's 2026 schedule:
March 2026 has no holiday; 6 April (Qingming) and 1, 4 and 5 May (Labour Day)
are holidays and Saturday 9 May is a working day.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import chinese_calendar
import pytest
import yaml
from click.testing import CliRunner

from fixtures.stats.builder import ZONE, letter, moment, random_letters, write_data
from generator.cli import cli
from generator.dataset import load_dataset
from generator.periods import Period
from generator.stats import COUNTY, Rate, Satisfaction, category_key, compute, csv_bytes, definitions, \
    stats_csv_rows

AS_OF = moment("2026-05-20 23:59:59")


def sample_letters() -> list[dict]:
    """Seven letters worked out by hand; the comments give each one's light and working days."""
    return [
        # green: replied on day 1, completed on day 2; the author rates 5.
        letter(1, "2026-03-02 09:00", replied="2026-03-03 10:00", completed="2026-03-04 10:00", author=5),
        # led by town-a, co-handled by town-b; replied on day 6 (late), never completed: red.
        # Readers only: two give 1, three give 5.
        letter(2, "2026-03-02 10:00", ("town-a", "town-b"), replied="2026-03-10 10:00", readers={1: 2, 5: 3}),
        # never assigned nor replied: red, in the county total only.
        letter(3, "2026-03-03 10:00", None),
        # complex, received in March and completed on 21 April, working day 15: green, on time.
        letter(4, "2026-03-30 09:00", complexity="complex", replied="2026-03-31 09:00",
               completed="2026-04-21 09:00"),
        # town-b's own letter, completed on day 3; readers only: two give 4, one gives 2.
        letter(5, "2026-03-31 09:00", ("town-b",), replied="2026-04-01 09:00", completed="2026-04-03 09:00",
               readers={4: 2, 2: 1}),
        # fresh on the as-of date (working day 2): no light, nothing due yet.
        letter(6, "2026-05-18 09:00"),
        # general, completed on working day 9: green (within 15) but not on time (after 5); author rates 3.
        letter(7, "2026-04-13 09:00", ("dept-water",), replied="2026-04-14 09:00", completed="2026-04-24 09:00",
               author=3),
        # completed, then redone with a deadline of 20 April that passed: red, open, supervised.
        letter(8, "2026-04-01 09:00", ("dept-water",), replied="2026-04-02 09:00", completed="2026-04-08 09:00",
               redo=[{"at": moment("2026-04-10 09:00"), "due": dt.date(2026, 4, 20), "reason": "答复不具体"}],
               supervision=[{"at": moment("2026-04-15 09:00"), "due": dt.date(2026, 4, 22)}]),
    ]


@pytest.fixture(scope="module")
def sample_stats(tmp_path_factory):
    dataset = load_dataset(write_data(tmp_path_factory.mktemp("sample") / "data", sample_letters()))
    return compute(dataset, AS_OF)


def test_compute_default_periods(sample_stats):
    assert [period.code for period in sample_stats.periods] == [
        "2026", "2026-H1", "2026-Q1", "2026-Q2", "2026-B2", "2026-B3", "2026-03", "2026-04", "2026-05"]


def test_compute_evaluates_every_letter_once(sample_stats):
    assert sorted(sample_stats.statuses) == [f"HF-2026-{number:05d}" for number in range(1, 9)]
    assert sample_stats.statuses["HF-2026-00004"].completion_days == 15


def test_figures_counts_of_lead_department(sample_stats):
    figures = sample_stats.figures[("2026-03", "town-a")]
    assert figures.received == 3  # letters 1, 2 and 4
    assert figures.assigned == 3
    assert figures.replied == 3
    assert figures.completed == 2  # letters 1 and 4; letter 4 was completed in April
    assert figures.open == 1
    assert figures.replied_on_time == 2
    assert figures.completed_on_time == 2
    assert (figures.green, figures.yellow, figures.red, figures.none) == (2, 0, 1, 0)
    assert figures.co_handled == 0
    assert figures.redo == 0
    assert figures.supervision == 0
    assert figures.provisional == 0


def test_figures_rates_show_denominators(sample_stats):
    figures = sample_stats.figures[("2026-03", "town-a")]
    assert figures.reply_rate == Rate(3, 3)
    assert figures.completion_rate == Rate(2, 3)
    assert figures.on_time_reply_rate == Rate(2, 3)
    assert figures.on_time_completion_rate == Rate(2, 3)
    assert figures.green_rate == Rate(2, 3)
    assert figures.satisfaction_rate == Rate(4, 6)  # author's 5, readers' three 5s, out of 6 ratings
    assert figures.completion_rate.value == pytest.approx(2 / 3)
    assert figures.to_dict()["completion_rate"] == {"numerator": 2, "denominator": 3, "value": 0.6667}


def test_figures_working_days_median_and_p90(sample_stats):
    figures = sample_stats.figures[("2026-03", "town-a")]
    # reply days 1, 6, 1 -> sorted 1, 1, 6; nearest rank of 90% of 3 is the 3rd
    assert figures.reply_days_median == 1.0
    assert figures.reply_days_p90 == 6
    # completion days 2 and 15 -> median 8.5; nearest rank of 90% of 2 is the 2nd
    assert figures.completion_days_median == 8.5
    assert figures.completion_days_p90 == 15


def test_figures_satisfaction_author_and_readers_apart(sample_stats):
    figures = sample_stats.figures[("2026-03", "town-a")]
    assert figures.satisfaction_author == Satisfaction(1, 5, 1)
    assert figures.satisfaction_author.mean == 5.0
    assert figures.satisfaction_author.satisfied_share == 1.0
    assert figures.satisfaction_readers == Satisfaction(5, 17, 3)
    assert figures.satisfaction_readers.mean == pytest.approx(3.4)
    assert figures.satisfaction_readers.satisfied_share == pytest.approx(0.6)


def test_figures_ratings_from_readers_only(sample_stats):
    figures = sample_stats.figures[("2026-03", "town-b")]
    assert figures.satisfaction_author == Satisfaction(0, 0, 0)
    assert figures.satisfaction_author.mean is None
    assert figures.satisfaction_author.satisfied_share is None
    assert figures.satisfaction_readers.count == 3
    assert figures.satisfaction_readers.mean == pytest.approx(10 / 3)
    assert figures.satisfaction_readers.satisfied_share == pytest.approx(2 / 3)
    assert figures.satisfaction_rate == Rate(2, 3)


def test_figures_co_handled_letter_counts_for_lead_only(sample_stats):
    town_b = sample_stats.figures[("2026-03", "town-b")]
    assert town_b.co_handled == 1  # letter 2
    assert town_b.received == 1  # only its own letter 5
    assert town_b.red == 0  # letter 2's red light stays with town-a
    town = sample_stats.figures[("2026-03", category_key("town"))]
    assert town.received == 4
    assert town.co_handled == 0
    assert sample_stats.figures[("2026-03", COUNTY)].co_handled == 0


def test_figures_county_total_is_leads_plus_unassigned(sample_stats):
    for period in sample_stats.periods:
        county = sample_stats.figures[(period.code, COUNTY)]
        leads = [sample_stats.figures[(period.code, department)] for department in sample_stats.departments]
        unassigned = county.received - county.assigned
        for name in ("received", "replied", "completed", "green", "yellow", "red", "none", "open"):
            lead_sum = sum(getattr(figures, name) for figures in leads)
            unassigned_part = {"received": unassigned, "red": 1 if period.code in ("2026", "2026-H1", "2026-Q1",
                                                                                   "2026-B2", "2026-03") else 0,
                               "open": unassigned}.get(name, 0)
            assert getattr(county, name) == lead_sum + unassigned_part, (period.code, name)


def test_figures_county_total_march(sample_stats):
    county = sample_stats.figures[("2026-03", COUNTY)]
    assert county.received == 5
    assert county.assigned == 4
    assert county.replied == 4
    assert county.completed == 3
    assert (county.green, county.yellow, county.red, county.none) == (3, 0, 2, 0)


def test_figures_letter_completed_in_next_period_counts_where_received(sample_stats):
    assert sample_stats.figures[("2026-03", "town-a")].completed == 2
    april = sample_stats.figures[("2026-04", "town-a")]
    assert april.received == 0
    assert april.completed == 0


def test_figures_redo_and_supervision(sample_stats):
    figures = sample_stats.figures[("2026-04", "dept-water")]
    assert figures.received == 2
    assert figures.completed == 1  # letter 8 is open again while its redo is unfinished
    assert figures.redo == 1
    assert figures.supervision == 1
    assert (figures.green, figures.red) == (2 - 1, 1)
    assert figures.completed_on_time == 0  # letter 7 took 9 working days, letter 8 is open
    assert figures.on_time_completion_rate == Rate(0, 2)


def test_figures_fresh_letter_not_in_on_time_denominators(sample_stats):
    figures = sample_stats.figures[("2026-05", "town-a")]
    assert figures.received == 1
    assert figures.none == 1
    assert figures.on_time_reply_rate == Rate(0, 0)
    assert figures.on_time_reply_rate.value is None
    assert figures.on_time_completion_rate == Rate(0, 0)
    assert figures.green_rate == Rate(0, 0)
    assert figures.reply_rate == Rate(0, 1)


def test_figures_longer_periods_sum_months(sample_stats):
    quarter = sample_stats.figures[("2026-Q2", "dept-water")]
    assert quarter.received == 2
    year = sample_stats.figures[("2026", "town-a")]
    assert year.received == 4
    assert year.reply_days_median == 1.0  # 1, 1, 6 (letter 6 has no reply)
    assert sample_stats.figures[("2026-B2", COUNTY)].received == 7
    assert sample_stats.figures[("2026", COUNTY)].received == 8


def test_figures_department_with_no_letters(sample_stats):
    figures = sample_stats.figures[("2026", "unit-power")]
    assert figures.received == 0
    assert figures.reply_rate == Rate(0, 0)
    assert figures.reply_rate.value is None
    assert figures.reply_days_median is None
    assert figures.completion_days_p90 is None
    assert figures.to_dict()["reply_rate"] == {"numerator": 0, "denominator": 0, "value": None}


def test_compute_empty_period(tmp_path):
    dataset = load_dataset(write_data(tmp_path / "data", sample_letters()))
    stats = compute(dataset, AS_OF, [Period.parse("2026-02"), Period.parse("2026-03")])
    assert [period.code for period in stats.periods] == ["2026-02", "2026-03"]
    county = stats.figures[("2026-02", COUNTY)]
    assert county.received == 0
    assert county.completion_rate.value is None
    assert stats.two_hundred["2026-02"].holds
    assert stats.two_hundred["2026-02"].received == 0
    assert all(row.rank is None for row in stats.rankings[("2026-02", "town")])


def test_compute_no_letters_at_all(tmp_path):
    dataset = load_dataset(write_data(tmp_path / "data", []))
    stats = compute(dataset, AS_OF)
    assert [period.code for period in stats.periods] == ["2026", "2026-H1", "2026-Q2", "2026-B3", "2026-05"]
    assert stats.figures[("2026", COUNTY)].received == 0
    assert stats.statuses == {}


def test_compute_ignores_letters_after_as_of(tmp_path):
    dataset = load_dataset(write_data(tmp_path / "data", sample_letters()))
    stats = compute(dataset, moment("2026-03-31 08:00"))
    assert "HF-2026-00005" not in stats.statuses
    assert stats.figures[("2026-03", COUNTY)].received == 4
    # letter 4 was received at 09:00 on 30 March and not completed yet on 31 March
    assert stats.figures[("2026-03", "town-a")].completed == 1


def test_compute_assignment_after_as_of_counts_as_unassigned(tmp_path):
    letters = [letter(1, "2026-03-02 09:00", assigned="2026-03-20 09:00")]
    dataset = load_dataset(write_data(tmp_path / "data", letters))
    stats = compute(dataset, moment("2026-03-10 12:00"), [Period.parse("2026-03")])
    assert stats.figures[("2026-03", "town-a")].received == 0
    assert stats.figures[("2026-03", COUNTY)].assigned == 0
    assert stats.two_hundred["2026-03"].unassigned == ["HF-2026-00001"]


def test_compute_period_by_local_date(tmp_path):
    item = letter(1, "2026-04-01 01:30")
    item["received"] = dt.datetime(2026, 3, 31, 17, 30, tzinfo=dt.timezone.utc)  # 01:30 on 1 April in Beijing
    dataset = load_dataset(write_data(tmp_path / "data", [item]))
    stats = compute(dataset, AS_OF, [Period.parse("2026-03"), Period.parse("2026-04")])
    assert stats.figures[("2026-03", COUNTY)].received == 0
    assert stats.figures[("2026-04", COUNTY)].received == 1


def test_two_hundred_lists_breaking_letters(sample_stats):
    march = sample_stats.two_hundred["2026-03"]
    assert not march.holds
    assert march.unassigned == ["HF-2026-00003"]
    assert march.unreplied == ["HF-2026-00003"]
    assert march.pending == []
    assert march.assigned_rate == Rate(4, 5)
    assert march.replied_rate == Rate(4, 5)


def test_two_hundred_fresh_letter_is_pending(sample_stats):
    may = sample_stats.two_hundred["2026-05"]
    assert may.holds
    assert may.pending == ["HF-2026-00006"]
    assert may.unreplied == []


def test_two_hundred_private_letter_listed_by_id_only(tmp_path):
    letters = [letter(1, "2026-03-02 09:00", public=False)]
    dataset = load_dataset(write_data(tmp_path / "data", letters))
    stats = compute(dataset, AS_OF, [Period.parse("2026-03")])
    document = stats.to_json()
    assert document["two_hundred"]["2026-03"]["unreplied"] == ["HF-2026-00001"]
    text = repr(document)
    assert "第1号来信" not in text
    assert "路灯坏了" not in text


def test_to_json_stable_and_complete(sample_stats):
    document = sample_stats.to_json(["2026-03"])
    assert list(document) == ["as_of", "periods", "figures", "rankings", "accountability", "two_hundred"]
    assert document["as_of"] == "2026-05-20T23:59:59+08:00"
    assert document["periods"] == [{"code": "2026-03", "kind": "month", "start": "2026-03-01",
                                    "end": "2026-03-31", "label": "2026年3月"}]
    figures = document["figures"]["2026-03"]
    # departments follow their category's total, by name: 丙镇 (U+4E19) before 乙镇 and 甲镇
    assert list(figures)[:5] == [COUNTY, category_key("town"), "town-c", "town-b", "town-a"]
    assert figures["town-b"]["satisfaction_readers"] == {"count": 3, "mean": 3.3333, "satisfied": 2,
                                                         "satisfied_share": 0.6667}
    assert list(document["rankings"]["2026-03"]) == ["town", "county_department", "vertical_unit"]
    assert document == sample_stats.to_json(["2026-03"])


def test_to_json_accountability_only_for_ended_supervision_periods(sample_stats):
    document = sample_stats.to_json()
    assert list(document["accountability"]) == ["2026-B2"]


def test_csv_rows_header_and_values(sample_stats):
    rows = stats_csv_rows(sample_stats, ["2026-03"], ["town-b"])
    header, row = rows
    assert len(rows) == 2
    values = dict(zip(header, row))
    assert values["period"] == "2026-03"
    assert values["name"] == "乙镇"
    assert values["category"] == "town"
    assert values["received"] == 1
    assert values["co_handled"] == 1
    assert values["satisfaction_rate_numerator"] == 2
    assert values["satisfaction_rate_denominator"] == 3
    assert values["satisfaction_rate"] == "0.6667"
    assert values["satisfaction_author_mean"] == ""
    assert values["rank"] == ""
    assert values["rank_reason"] == "below_minimum"


def test_csv_bytes_start_with_bom():
    data = csv_bytes([["name"], ["甲镇"]])
    assert data[:3] == b"\xef\xbb\xbf"
    assert data[3:] == "name\r\n甲镇\r\n".encode("utf-8")


def test_definitions_cover_every_figure_with_policy_numbers(tmp_path):
    dataset = load_dataset(write_data(tmp_path / "data", []))
    texts = definitions(dataset.policy)
    figure_names = set(sample_figures_fields())
    assert figure_names <= set(texts)
    assert "5个工作日" in texts["replied_on_time"]
    assert "z = 1.96" in texts["score"]
    assert texts["score"].startswith("综合得分 = 0.2×回复率下限 + 0.3×按时办结率下限 + 0.2×办结率下限 + 0.3×满意率下限。")
    assert texts["below_minimum"] == "统计期内收到来信少于5件的单位列出各项数据，但不参加排名。"
    assert texts["measure.reminder"] == "提醒督促：按时办结率低于80%。"


def test_definitions_follow_policy_changes(tmp_path):
    changes = {"deadlines": {"reply": 3}, "ranking": {"min_letters": 8, "confidence_z": 1.64},
               "accountability": {"reminder": {"all_of": {"on_time_completion_rate_below": 0.75}}}}
    dataset = load_dataset(write_data(tmp_path / "data", [], policy_changes=changes))
    texts = definitions(dataset.policy)
    assert "3个工作日" in texts["replied_on_time"]
    assert texts["below_minimum"] == "统计期内收到来信少于8件的单位列出各项数据，但不参加排名。"
    assert "z = 1.64" in texts["score"]
    assert texts["measure.reminder"] == "提醒督促：按时办结率低于75%。"


def sample_figures_fields() -> list[str]:
    from dataclasses import fields

    from generator.stats import Figures

    return [item.name for item in fields(Figures)]


def test_stats_command_csv_has_bom(tmp_path):
    root = write_data(tmp_path / "data", sample_letters())
    result = CliRunner().invoke(cli, ["stats", "--data", str(root), "--as-of", "2026-05-20", "--period", "2026-03",
                                      "--format", "csv", "--category", "town"])
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data[3:].decode("utf-8").splitlines()
    assert lines[0].startswith("period,period_label,department,name,category,received,")
    assert [line.split(",")[2] for line in lines[1:]] == ["category:town", "town-c", "town-b", "town-a"]


def test_stats_command_json_for_one_department(tmp_path):
    import json

    root = write_data(tmp_path / "data", sample_letters())
    result = CliRunner().invoke(cli, ["stats", "--data", str(root), "--as-of", "2026-05-20", "--period", "2026-Q1",
                                      "--format", "json", "--department", "town-a"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert list(document["figures"]["2026-Q1"]) == ["town-a"]
    assert document["figures"]["2026-Q1"]["town-a"]["received"] == 3
    assert [row["department"] for row in document["rankings"]["2026-Q1"]["town"]] == ["town-a"]


def test_stats_command_table(tmp_path):
    root = write_data(tmp_path / "data", sample_letters())
    result = CliRunner().invoke(cli, ["stats", "--data", str(root), "--as-of", "2026-05-20", "--period", "2026-03"])
    assert result.exit_code == 0, result.output
    assert "2026-03 (2026年3月), as of 2026-05-20T23:59:59+08:00" in result.output
    assert "甲镇" in result.output
    assert "66.7% (2/3)" in result.output
    assert ("two-100% rule (county): broken; unassigned after the reply deadline: HF-2026-00003; "
            "unreplied after the reply deadline: HF-2026-00003") in result.output.splitlines()


def test_stats_command_rejects_bad_period(tmp_path):
    root = write_data(tmp_path / "data", [])
    result = CliRunner().invoke(cli, ["stats", "--data", str(root), "--period", "2026-B7"])
    assert result.exit_code == 2
    assert "'2026-B7' is not a period" in result.output


def test_stats_command_rejects_unknown_department(tmp_path):
    root = write_data(tmp_path / "data", [])
    result = CliRunner().invoke(cli, ["stats", "--data", str(root), "--department", "town-z"])
    assert result.exit_code == 1
    assert str(result.exception) == ("--department: 'town-z' is not in departments.yaml; "
                                     "use one of the ids listed there")


# A second, simple route to the figures: raw YAML, a day-by-day working-day count and plain sums.

REPO = Path(__file__).resolve().parents[1]


def second_route_data(source: str, tmp_path_factory) -> tuple[Path, dt.datetime]:
    """Return the shipped demo data or a generated set, with an as-of moment after its last letter."""
    if source == "shipped":
        shipped = REPO / "data"
        files = sorted((shipped / "letters").rglob("*.yaml"))
        if not files:
            pytest.skip(f"no demo letters under {shipped / 'letters'} yet")
        latest = max(raw_received(load_yaml(path)) for path in files)
        day = (latest + dt.timedelta(days=10)).date()
        return shipped, dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ZONE)
    root = write_data(tmp_path_factory.mktemp("random") / "data",
                      random_letters(2026, 400, dt.date(2026, 1, 4), dt.date(2026, 6, 30)))
    return root, moment("2026-07-10 18:00")


def load_yaml(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def raw_moment(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=ZONE)


def raw_received(data: dict) -> dt.datetime:
    return raw_moment(data["received"])


class DayCounter:
    """Working days from the chinesecalendar package, the data's calendar notices and the fixed holidays."""

    def __init__(self, root: Path, policy: dict):
        self.overrides = {}
        self.official = set(range(2004, 2027))
        for path in sorted((root / "calendar").glob("*.yaml")):
            notice = yaml.safe_load(path.read_text(encoding="utf-8"))
            if notice["kind"] == "official":
                self.official.update(notice["years"])
            for holiday in notice.get("holidays") or []:
                day = dt.date.fromisoformat(str(holiday["from"]))
                while day <= dt.date.fromisoformat(str(holiday["to"])):
                    self.overrides[day] = False
                    day += dt.timedelta(days=1)
            for working in notice.get("working_days") or []:
                self.overrides[dt.date.fromisoformat(str(working["date"]))] = True
        self.fixed = set(policy["calendar"]["fixed_holidays"])
        self.cache: dict[dt.date, bool] = {}

    def working(self, day: dt.date) -> bool:
        if day not in self.cache:
            if day in self.overrides:
                self.cache[day] = self.overrides[day]
            elif day.year in range(2004, 2027):
                self.cache[day] = chinese_calendar.is_workday(day)
            else:
                self.cache[day] = day.weekday() < 5 and day.strftime("%m-%d") not in self.fixed
        return self.cache[day]

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        count, day = 0, start + dt.timedelta(days=1)
        while day <= end:
            count += self.working(day)
            day += dt.timedelta(days=1)
        return count


def second_route(root: Path, as_of: dt.datetime) -> dict:
    """Sum the figures per (month code, department) straight from the letter files."""
    policy = yaml.safe_load((root / "policy.yaml").read_text(encoding="utf-8"))
    counter = DayCounter(root, policy)
    today = as_of.astimezone(ZONE).date()
    reply_limit = policy["deadlines"]["reply"]
    satisfied_min = policy["satisfaction"]["satisfied_min_score"]
    sums: dict = {}
    for path in sorted((root / "letters").rglob("*.yaml")):
        data = load_yaml(path)
        received = raw_received(data)
        if received > as_of:
            continue
        day0 = received.astimezone(ZONE).date()
        month = f"{day0.year}-{day0.month:02d}"
        assignment = data.get("assignment") or {}
        departments = assignment.get("departments") or []
        assigned = bool(departments) and raw_moment(assignment["at"]) <= as_of
        replies = [raw_moment(reply["at"]) for reply in data.get("replies") or []
                   if raw_moment(reply["at"]) <= as_of]
        completed_at = raw_moment(data["completed_at"]) if data.get("completed_at") else None
        open_redo = [item for item in data.get("redo") or [] if raw_moment(item["at"]) <= as_of and not (
            item.get("completed_at") and raw_moment(item["completed_at"]) <= as_of)]
        completed = completed_at is not None and completed_at <= as_of and not open_redo
        completion_limit = policy["deadlines"]["completion"][data.get("complexity") or "general"]
        ratings = data.get("ratings") or {}
        readers = {int(score): count for score, count in (ratings.get("readers") or {}).items()}
        targets = ["*"] + ([departments[0]] if assigned else [])
        for target in targets:
            row = sums.setdefault((month, target), Counter())
            row["received"] += 1
            row["assigned"] += assigned
            if replies:
                row["replied"] += 1
                days = counter.between(day0, min(replies).astimezone(ZONE).date())
                row.setdefault("reply_days", []).append(days)
                row["replied_on_time"] += days <= reply_limit
                row["reply_due"] += 1
            elif counter.between(day0, today) > reply_limit:
                row["reply_due"] += 1
            if completed:
                row["completed"] += 1
                days = counter.between(day0, completed_at.astimezone(ZONE).date())
                row.setdefault("completion_days", []).append(days)
                row["completed_on_time"] += days <= completion_limit
                row["completion_due"] += 1
            else:
                row["open"] += 1
                if counter.between(day0, today) > completion_limit:
                    row["completion_due"] += 1
            if ratings.get("author") is not None:
                row["author_count"] += 1
                row["author_total"] += ratings["author"]
                row["satisfied"] += ratings["author"] >= satisfied_min
            row["readers_count"] += sum(readers.values())
            row["readers_total"] += sum(score * count for score, count in readers.items())
            row["satisfied"] += sum(count for score, count in readers.items() if score >= satisfied_min)
            row["redo"] += any(raw_moment(item["at"]) <= as_of for item in data.get("redo") or [])
            row["supervision"] += any(raw_moment(item["at"]) <= as_of for item in data.get("supervision") or [])
        if assigned:
            for co_handler in departments[1:]:
                sums.setdefault((month, co_handler), Counter())["co_handled"] += 1
    return sums


def generator_sums(figures) -> Counter:
    """Express the generator's figures in the second route's terms."""
    return Counter({
        "received": figures.received, "assigned": figures.assigned, "replied": figures.replied,
        "completed": figures.completed, "open": figures.open, "co_handled": figures.co_handled,
        "replied_on_time": figures.replied_on_time, "reply_due": figures.on_time_reply_rate.denominator,
        "completed_on_time": figures.completed_on_time,
        "completion_due": figures.on_time_completion_rate.denominator,
        "author_count": figures.satisfaction_author.count, "author_total": figures.satisfaction_author.total,
        "readers_count": figures.satisfaction_readers.count, "readers_total": figures.satisfaction_readers.total,
        "satisfied": figures.satisfaction_rate.numerator, "redo": figures.redo, "supervision": figures.supervision,
    })


def plain_median(values: list[int]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def plain_p90(values: list[int]) -> int | None:
    ordered = sorted(values)
    if not ordered:
        return None
    rank = -(-9 * len(ordered) // 10)  # smallest rank with at least 90% of the values at or below it
    return ordered[rank - 1]


@pytest.mark.parametrize("source", ["shipped", "generated"])
def test_figures_match_second_route(source, tmp_path_factory):
    root, as_of = second_route_data(source, tmp_path_factory)
    stats = compute(load_dataset(root), as_of)
    expected = second_route(root, as_of)
    months = [period for period in stats.periods if period.kind == "month"]
    assert months, "no month to compare"
    compared = 0
    for period in [*months, *(period for period in stats.periods if period.kind == "year")]:
        for scope in stats.scopes:
            if scope.startswith("category:"):
                continue
            figures = stats.figures[(period.code, scope)]
            sums, reply_days, completion_days = Counter(), [], []
            for month in period.months:
                row = expected.get((month.code, scope), Counter())
                reply_days += row.get("reply_days", [])
                completion_days += row.get("completion_days", [])
                sums.update({key: value for key, value in row.items() if not isinstance(value, list)})
            assert +generator_sums(figures) == +sums, (period.code, scope)
            assert figures.reply_days_median == plain_median(reply_days), (period.code, scope)
            assert figures.reply_days_p90 == plain_p90(reply_days), (period.code, scope)
            assert figures.completion_days_median == plain_median(completion_days), (period.code, scope)
            assert figures.completion_days_p90 == plain_p90(completion_days), (period.code, scope)
            compared += figures.received
    assert compared > 0
