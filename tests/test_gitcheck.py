"""check-change and the history reader, on real Git repositories with several authors and dates."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from generator import editing, gitcheck, history
from generator.cli import cli
from generator.dataset import load_dataset
from generator.yamlio import loads

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "editing" / "data"
ZONE = ZoneInfo("Asia/Shanghai")
FORUM = "data/letters/2026/09/HF-2026-00017.yaml"  # led by town-dongcheng, co-handled by county-housing
HOTLINE = "data/letters/2026/09/HF-2026-00018.yaml"  # town-xicheng
OFFICE = "wzb-chen"
DONGCHENG = "dongcheng-wz1"
XICHENG = "xicheng-wz1"
HOUSING = "housing-wz1"


class Repo:
    """A Git repository in a temporary folder, with the editing fixtures committed by the office."""

    def __init__(self, path: Path):
        self.path = path
        self.data = path / "data"
        shutil.copytree(FIXTURE, self.data)
        shutil.copy(REPO_ROOT / "data" / "policy.yaml", self.data)
        self.git("init", "-q", "-b", "main")
        # The fixtures stand for letters imported from an older platform, with their old dates.
        self.commit("Import the September letters\n\nBackfill: true", OFFICE, "2026-09-21T10:00:00+08:00")
        self.rules = editing.load_rules(self.data)

    def git(self, *args: str, author: str = OFFICE, date: str = "2026-09-21T10:00:00+08:00") -> str:
        env = {
            **os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author}@example.org", "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": f"{author}@example.org",
            "GIT_COMMITTER_DATE": date,
        }
        result = subprocess.run(["git", "-C", str(self.path), *args], env=env, capture_output=True, text=True,
                                check=True)
        return result.stdout.strip()

    def commit(self, message: str, author: str, date: str) -> str:
        self.git("add", "-A", author=author, date=date)
        self.git("commit", "-q", "--allow-empty", "-m", message, author=author, date=date)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str) -> None:
        self.git("checkout", "-q", "-b", name)

    def checkout(self, name: str) -> None:
        self.git("checkout", "-q", name)

    def reply(self, letter_id: str, department: str, at: str, kind: str = "interim", text: str = "已受理"):
        editing.reply(self.rules, letter_id, department, kind, text, editing.parse_moment(at, self.rules))

    def edit(self, path: str, old: str, new: str) -> None:
        file = self.path / path
        text = file.read_text(encoding="utf-8")
        assert old in text
        file.write_text(text.replace(old, new, 1), encoding="utf-8")

    def check(self, author: str, base: str = "main", head: str = "HEAD"):
        return gitcheck.check_change(self.path, base, head, author)


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Repo:
    monkeypatch.chdir(tmp_path)
    return Repo(tmp_path / "repo")


def fields(problems) -> list[tuple[str, str]]:
    return [(problem.file, problem.field) for problem in problems]


# Permissions

def test_editor_may_reply_for_own_department(repo):
    repo.branch("reply")
    repo.reply("HF-2026-00017", "town-dongcheng", "2026-09-22T09:00", "final")
    repo.commit("Reply", DONGCHENG, "2026-09-22T10:00:00+08:00")
    assert repo.check(DONGCHENG) == []


def test_editor_may_not_reply_for_other_department(repo):
    repo.branch("reply")
    repo.reply("HF-2026-00017", "county-housing", "2026-09-22T09:00")
    repo.commit("Reply for the housing bureau", DONGCHENG, "2026-09-22T10:00:00+08:00")
    problems = repo.check(DONGCHENG)
    assert fields(problems) == [(FORUM, "replies[2]")]
    assert problems[0].format() == (
        "data/letters/2026/09/HF-2026-00017.yaml:35:3: replies[2]: adds or changes a reply of county-housing, and "
        "dongcheng-wz1 (editor of town-dongcheng) may change only their own department's replies; undo this "
        "change, or ask an editor of county-housing or the office to make it")


def test_changing_other_department_reply_names_both_versions(repo):
    repo.branch("edit")
    repo.edit(FORUM, "正在排查线路。", "已排查完毕。")
    repo.commit("Edit the housing reply", DONGCHENG, "2026-09-22T10:00:00+08:00")
    problems = repo.check(DONGCHENG)
    assert fields(problems) == [(FORUM, "replies[1]"), (FORUM, "replies[1]")]
    assert "removes or changes a reply of county-housing (replies[1] in the base version)" in problems[1].message


def test_reordering_replies_is_no_change(repo):
    repo.branch("reorder")
    text = (repo.path / FORUM).read_text(encoding="utf-8")
    first = "- at: 2026-09-02T10:00:00+08:00\n  department: town-dongcheng\n  kind: interim\n" \
            "  text: \"您好，来信收悉，我镇已安排人员现场核实。\"\n"
    assert first in text
    text = text.replace(first, "")
    text = text.replace("ratings:\n", first + "ratings:\n")
    (repo.path / FORUM).write_text(text, encoding="utf-8")
    repo.commit("Reorder replies", HOUSING, "2026-09-22T10:00:00+08:00")
    assert repo.check(HOUSING) == []


def test_registration_and_assignment_are_office_only(repo):
    repo.branch("registration")
    repo.edit(FORUM, "channel: forum", "channel: hotline")
    repo.edit(FORUM, "  - county-housing\n", "  - town-xicheng\n")
    repo.edit(FORUM, "    5: 3", "    5: 9")
    repo.commit("Tidy the letter", DONGCHENG, "2026-09-22T10:00:00+08:00")
    problems = repo.check(DONGCHENG)
    assert fields(problems) == [(FORUM, "channel"), (FORUM, "assignment.departments[1]"),
                                (FORUM, "ratings.readers[5]")]
    assert problems[0].message == ("may be changed only by the office, and dongcheng-wz1 (editor of "
                                   "town-dongcheng) is not an office member")
    assert repo.check(OFFICE) == []


def test_extension_request_own_department_but_decision_office_only(repo):
    repo.branch("extension")
    editing.request_extension(repo.rules, "HF-2026-00018", "town-xicheng", dt.date(2026, 10, 16), "需要协调",
                              editing.parse_moment("2026-09-22T09:00", repo.rules))
    repo.commit("Ask for more time", XICHENG, "2026-09-22T10:00:00+08:00")
    assert repo.check(XICHENG) == []
    assert fields(repo.check(DONGCHENG)) == [(HOTLINE, f"extension.{key}") for key in
                                             ("requested_at", "department", "until", "reason")]
    editing.decide_extension(repo.rules, "HF-2026-00018", "approved",
                             editing.parse_moment("2026-09-22T11:00", repo.rules))
    repo.commit("Approve it ourselves", XICHENG, "2026-09-22T11:00:00+08:00")
    problems = repo.check(XICHENG)
    assert fields(problems) == [(HOTLINE, "extension.decision"), (HOTLINE, "extension.decided_at")]
    assert problems[0].message == ("is the office's decision on the extension and may be changed only by the "
                                   "office, and xicheng-wz1 (editor of town-xicheng) is not an office member")
    assert repo.check(OFFICE) == []


def test_completion_only_by_lead_department(repo):
    repo.reply("HF-2026-00017", "town-dongcheng", "2026-09-21T10:00", "final")
    repo.commit("Final reply", DONGCHENG, "2026-09-21T10:00:00+08:00")
    repo.branch("complete")
    editing.complete(repo.rules, "HF-2026-00017", editing.parse_moment("2026-09-22T09:00", repo.rules))
    repo.commit("Complete", HOUSING, "2026-09-22T10:00:00+08:00")
    assert repo.check(DONGCHENG) == []
    problems = repo.check(HOUSING)
    assert fields(problems) == [(FORUM, "completed_at")]
    assert problems[0].message == ("may be changed only by its lead department town-dongcheng or the office, "
                                   "and housing-wz1 (editor of county-housing) is neither")


def test_explanation_only_for_own_department(repo):
    repo.branch("explain")
    editing.explain(repo.rules, "town-xicheng", "2026-Q2", "新的说明",
                    editing.parse_moment("2026-07-11T09:00", repo.rules))
    repo.commit("Explain", XICHENG, "2026-09-22T10:00:00+08:00")
    assert repo.check(XICHENG) == []
    problems = repo.check(DONGCHENG)
    assert fields(problems) == [("data/explanations/2026-Q2/town-xicheng.yaml", "department")]


def test_new_and_deleted_letters_office_only(repo):
    repo.branch("files")
    editing.new_letter(repo.rules, received=editing.parse_moment("2026-09-22T09:00", repo.rules),
                       channel="forum", letter_type="opinion", author="网民乙", title="标题", body="内容")
    (repo.path / HOTLINE).unlink()
    repo.commit("Add and delete", XICHENG, "2026-09-22T10:00:00+08:00")
    problems = repo.check(XICHENG)
    assert [(problem.file, problem.message.split(",")[0]) for problem in problems] == [
        (HOTLINE, "deletes a letter"),
        ("data/letters/2026/09/HF-2026-00020.yaml", "registers a new letter"),
    ]
    assert repo.check(OFFICE) == []


def test_departments_file_change_grants_nothing(repo):
    repo.branch("promote")
    repo.edit("data/departments.yaml", "  - wzb-lin\n", f"  - wzb-lin\n  - {DONGCHENG}\n")
    repo.edit(FORUM, "channel: forum", "channel: hotline")
    repo.commit("Make me office", DONGCHENG, "2026-09-22T10:00:00+08:00")
    assert fields(repo.check(DONGCHENG)) == [("data/departments.yaml", ""), (FORUM, "channel")]


def test_unknown_user_may_change_nothing(repo):
    repo.branch("stranger")
    repo.reply("HF-2026-00017", "town-dongcheng", "2026-09-22T09:00")
    repo.commit("Reply", "someone-else", "2026-09-22T10:00:00+08:00")
    problems = repo.check("someone-else")
    assert [problem.format() for problem in problems] == [
        f"{FORUM}: someone-else is not an office member or a department editor in departments.yaml, so may "
        "change no data file; ask the office to add the user to departments.yaml, or to make the change"]


def test_changes_on_base_after_branching_are_not_counted(repo):
    repo.branch("reply")
    repo.reply("HF-2026-00018", "town-xicheng", "2026-09-22T09:00")
    repo.commit("Reply", XICHENG, "2026-09-22T10:00:00+08:00")
    repo.checkout("main")
    repo.edit(FORUM, "channel: forum", "channel: hotline")
    repo.commit("Office fixes the channel", OFFICE, "2026-09-22T11:00:00+08:00")
    assert repo.check(XICHENG, base="main", head="reply") == []


# Honest dates

def test_backdated_reply_flagged(repo):
    repo.branch("late")
    repo.reply("HF-2026-00018", "town-xicheng", "2026-09-16T09:00")
    repo.commit("Reply", XICHENG, "2026-09-22T10:00:00+08:00")
    problems = repo.check(XICHENG)
    assert [problem.format() for problem in problems] == [
        "data/letters/2026/09/HF-2026-00018.yaml:14:5: replies[0]: is dated 2026-09-16 09:00 but recorded on "
        "2026-09-22 10:00, 5 working days later; at most 1 working day(s) are allowed; record replies, extension "
        "requests and completions on the day they happen, or ask the office to record this one"]


def test_reply_one_working_day_early_allowed(repo):
    repo.branch("friday")
    # Friday the 18th to Sunday the 20th, a make-up working day: one working day.
    repo.reply("HF-2026-00018", "town-xicheng", "2026-09-18T16:00")
    repo.commit("Reply", XICHENG, "2026-09-20T10:00:00+08:00")
    assert repo.check(XICHENG) == []


def test_backfill_trailer_only_from_office(repo):
    repo.branch("import")
    repo.reply("HF-2026-00018", "town-xicheng", "2026-09-08T09:00")
    repo.commit("Import replies from the old platform\n\nBackfill: true", XICHENG, "2026-09-22T10:00:00+08:00")
    assert [problem.code for problem in repo.check(XICHENG)] == ["permission", "backdated"]
    assert [problem.code for problem in repo.check(OFFICE)] == []


def test_check_change_command_formats(repo):
    repo.branch("late")
    repo.reply("HF-2026-00017", "county-housing", "2026-09-16T09:00")
    repo.commit("Reply", DONGCHENG, "2026-09-22T10:00:00+08:00")
    runner = CliRunner()
    arguments = ["check-change", "--repo", str(repo.path), "--base", "main", "--head", "late",
                 "--author", DONGCHENG]
    text = runner.invoke(cli, arguments)
    assert text.exit_code == 1
    assert text.stdout.splitlines()[-1] == "2 problem(s) in 1 file(s)"
    github = runner.invoke(cli, [*arguments, "--format", "github"])
    assert github.exit_code == 1
    assert github.stdout.splitlines()[0].startswith(
        "::error file=data/letters/2026/09/HF-2026-00017.yaml,line=35,col=3,title=replies[2]::")
    as_json = runner.invoke(cli, [*arguments, "--format", "json"])
    assert [item["code"] for item in json.loads(as_json.stdout)] == ["permission", "backdated"]
    allowed = runner.invoke(cli, ["check-change", "--repo", str(repo.path), "--base", "main", "--head", "main",
                                  "--author", DONGCHENG])
    assert allowed.exit_code == 0
    assert allowed.stdout == "dongcheng-wz1 may make this change, and its dates are within the tolerance\n"


def test_check_change_needs_author(repo):
    result = CliRunner().invoke(cli, ["check-change", "--repo", str(repo.path), "--base", "main"])
    assert result.exit_code == 1
    assert str(result.exception) == ("check-change needs --author (the user who proposed the change), "
                                     "or --summary")


def test_check_change_unknown_revision(repo):
    result = CliRunner().invoke(cli, ["check-change", "--repo", str(repo.path), "--base", "nosuch",
                                      "--author", OFFICE])
    assert result.exit_code == 1
    assert "check --repo, --base and --head (a CI checkout needs fetch-depth: 0)" in str(result.exception)


# Reading the whole history

def test_recorded_dates_use_first_commit_of_each_item(repo):
    repo.reply("HF-2026-00018", "town-xicheng", "2026-09-22T09:00")
    repo.commit("Reply", XICHENG, "2026-09-22T10:00:00+08:00")
    repo.edit(HOTLINE, "text: 已受理", "text: 已受理，正在办理")  # the text is not part of the key
    repo.commit("Fix wording", XICHENG, "2026-09-23T10:00:00+08:00")
    repo.edit(HOTLINE, "at: 2026-09-22T09:00:00+08:00", "at: 2026-09-14T09:00:00+08:00")
    repo.commit("Move the date back", XICHENG, "2026-09-24T10:00:00+08:00")
    recorded = history.recorded_dates(repo.path, "data")
    moment = dt.datetime(2026, 9, 14, 9, tzinfo=ZONE)
    assert recorded[("HF-2026-00018", ("replies", moment, "town-xicheng", "interim"))] == \
        dt.datetime(2026, 9, 24, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    first = dt.datetime(2026, 9, 1, 15, tzinfo=ZONE)
    assert ("HF-2026-00017", ("replies", first, "town-dongcheng", "interim")) not in recorded
    imported = dt.datetime(2026, 9, 2, 10, tzinfo=ZONE)
    assert ("HF-2026-00017", ("replies", imported, "town-dongcheng", "interim")) not in recorded


def test_recorded_dates_follow_merge_not_branch_dates(repo):
    repo.branch("old-branch")
    repo.reply("HF-2026-00018", "town-xicheng", "2026-09-08T09:00")
    repo.commit("Reply", XICHENG, "2026-09-08T10:00:00+08:00")  # the clerk's clock shows September 8
    repo.checkout("main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge the reply", "old-branch", date="2026-09-28T10:00:00+08:00")
    recorded = history.recorded_dates(repo.path, "data")
    key = ("HF-2026-00018", ("replies", dt.datetime(2026, 9, 8, 9, tzinfo=ZONE), "town-xicheng", "interim"))
    assert recorded[key].date() == dt.date(2026, 9, 28)


def test_backdated_items_for_site(repo):
    repo.reply("HF-2026-00018", "town-xicheng", "2026-09-16T09:00")
    repo.commit("Reply", XICHENG, "2026-09-22T10:00:00+08:00")
    repo.reply("HF-2026-00018", "town-xicheng", "2026-09-22T15:00", "final", "已办结")
    editing.complete(repo.rules, "HF-2026-00018", editing.parse_moment("2026-09-22T16:00", repo.rules))
    repo.commit("Final reply", XICHENG, "2026-09-23T09:00:00+08:00")
    dataset = load_dataset(repo.data, now=dt.datetime(2026, 9, 30, tzinfo=ZONE))
    recorded = history.recorded_dates(repo.path, "data")
    found = history.backdated_items(dataset, recorded, dataset.calendar, dataset.policy)
    assert found == {"HF-2026-00018": [history.BackdatedItem(
        "replies[0]", dt.datetime(2026, 9, 16, 9, tzinfo=ZONE),
        dt.datetime(2026, 9, 22, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), 5)]}


def test_new_letter_file_dates_optionally_as_stated(repo):
    editing.new_letter(repo.rules, received=editing.parse_moment("2026-09-01T09:00", repo.rules),
                       channel="forum", letter_type="opinion", author="网民乙", title="标题", body="内容",
                       letter_id="HF-2026-00050")
    path = repo.data / "letters" / "2026" / "09" / "HF-2026-00050.yaml"
    path.write_text(path.read_text(encoding="utf-8") + textwrap.dedent("""\
        assignment:
          departments:
          - town-xicheng
          at: 2026-09-01T10:00:00+08:00
        replies:
        - at: 2026-09-02T10:00:00+08:00
          department: town-xicheng
          kind: final
          text: 已办结
        completed_at: 2026-09-02T11:00:00+08:00
        """), encoding="utf-8")
    repo.branch("import")
    repo.commit("Import a letter from the old platform", OFFICE, "2026-09-28T10:00:00+08:00")
    assert [problem.field for problem in repo.check(OFFICE)] == ["replies[0]", "completed_at"]
    repo.checkout("main")
    repo.git("merge", "-q", "--ff-only", "import")
    recorded = history.recorded_dates(repo.path, "data")
    assert len([key for key in recorded if key[0] == "HF-2026-00050"]) == 2
    as_stated = history.recorded_dates(repo.path, "data", first_versions_as_stated=True)
    assert not [key for key in as_stated if key[0] == "HF-2026-00050"]


def test_backfill_commit_records_no_dates(repo):
    repo.reply("HF-2026-00018", "town-xicheng", "2026-09-08T09:00")
    repo.commit("Import\n\nBackfill: true", OFFICE, "2026-09-22T10:00:00+08:00")
    recorded = history.recorded_dates(repo.path, "data")
    assert not [key for key in recorded if key[0] == "HF-2026-00018"]


LETTER_VARIANTS = {
    "indented replies": """\
        id: HF-2026-00001
        replies:
          - at: 2026-09-02 10:00
            department: town-a
            kind: interim
            text: |
              at: 2026-01-01 00:00
              - department: town-b
          -   at: '2026-09-03T10:00:00+08:00'
              department: "town-a"
              kind: final   # the result
              text: 办结
        completed_at: 2026-09-04T10:00:00+08:00
        """,
    "flow replies": """\
        id: HF-2026-00001
        replies: [{at: 2026-09-02 10:00, department: town-a, kind: interim, text: x}]
        extension: {requested_at: 2026-09-03 10:00, department: town-a, until: 2026-10-01, reason: r}
        """,
    "extension and comments": """\
        id: HF-2026-00001
        # comment
        extension:
          # why
          requested_at: 2026-09-03 10:00
          department: no
          until: 2026-10-01
          reason: >
            requested_at: 2020-01-01 00:00
        replies:
        - at: 2026-09-02 10:00
          department: town-a
          kind: interim
          text: x
        # between
        - text: x
          at: 2026-09-05 10:00
          department: town-a
          kind: final
        """,
    "multi-line quoted key value": """\
        id: HF-2026-00001
        title: "a title
        completed_at: 2020-01-01 00:00"
        completed_at: 2026-09-04 10:00
        """,
}


@pytest.mark.parametrize("name", sorted(LETTER_VARIANTS))
def test_history_scanner_agrees_with_loader(name):
    text = textwrap.dedent(LETTER_VARIANTS[name])
    expected = history.dated_items(loads(text), ZONE)
    assert expected
    assert history.dated_items(history.load_letter_version(text), ZONE) == expected


@pytest.mark.parametrize("name", ["HF-2026-00017.yaml", "HF-2026-00018.yaml", "HF-2026-00019.yaml"])
def test_history_scanner_reads_fixtures(name):
    text = (FIXTURE / "letters" / "2026" / "09" / name).read_text(encoding="utf-8")
    assert history.dated_items(history.scan_letter(text), ZONE) == history.dated_items(loads(text), ZONE)


# Summary of the change

def test_summary_lists_light_and_figure_changes(repo):
    repo.branch("finish")
    repo.reply("HF-2026-00017", "town-dongcheng", "2026-09-21T10:00", "final", "已修复")
    editing.complete(repo.rules, "HF-2026-00017", editing.parse_moment("2026-09-21T11:00", repo.rules))
    repo.commit("Finish", DONGCHENG, "2026-09-21T12:00:00+08:00")
    result = CliRunner().invoke(cli, ["check-change", "--repo", str(repo.path), "--base", "main", "--head",
                                      "finish", "--summary", "--as-of", "2026-09-30"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "## What this change does to the published figures"
    assert "| HF-2026-00017 | red | green |" in lines
    assert "| 2026-09 | town-dongcheng | completion_rate | 0/1 (0.0%) | 1/1 (100.0%) |" in lines


def test_summary_without_changes(repo):
    repo.branch("nothing")
    repo.commit("Empty", OFFICE, "2026-09-22T10:00:00+08:00")
    summary = gitcheck.change_summary(repo.path, "main", "nothing", "data",
                                      dt.datetime(2026, 9, 30, tzinfo=ZONE))
    assert summary.splitlines()[-1] == "No letter's light and no department's published figures change."
