"""Editing commands: each changes only the intended lines, validates first and writes atomically."""

from __future__ import annotations

import difflib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import roundtrip
from generator.cli import cli
from generator.yamlio import loads

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "editing" / "data"
LETTERS = Path("data/letters/2026/09")
FORUM_LETTER = LETTERS / "HF-2026-00017.yaml"  # comments, quotes, folded body, long title
HOTLINE_LETTER = LETTERS / "HF-2026-00018.yaml"  # lists indented under their key, no reply yet
NEW_LETTER = LETTERS / "HF-2026-00019.yaml"  # not assigned yet
EXPLANATION = Path("data/explanations/2026-Q2/town-xicheng.yaml")


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    """Copy the editing fixtures and the repository's policy into a temporary working directory."""
    shutil.copytree(FIXTURE, tmp_path / "data")
    shutil.copy(REPO_ROOT / "data" / "policy.yaml", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return Path("data")


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, [*args, "--data", "data"], env=env)


def diff(before: str, after: str) -> tuple[list[str], list[str]]:
    """Return the removed and the added lines between two texts."""
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (removed if line.startswith("-") else added).append(line[1:])
    return removed, added


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# Only the intended lines change

def test_reply_appends_after_last_reply(data):
    before = read(FORUM_LETTER)
    result = run("reply", "HF-2026-00017", "--department", "town-dongcheng", "--kind", "final",
                 "--text", "您好：\n路灯已于9月4日修复。\n感谢监督。", "--at", "2026-09-04 17:00")
    assert result.exit_code == 0, result.output
    assert result.output == "data/letters/2026/09/HF-2026-00017.yaml: added a final reply of town-dongcheng\n"
    inserted = textwrap.dedent("""\
        - at: 2026-09-04T17:00:00+08:00
          department: town-dongcheng
          kind: final
          text: |
            您好：
            路灯已于9月4日修复。
            感谢监督。
        """)
    anchor = "    我局已联系供电部门，正在排查线路。\n"
    assert read(FORUM_LETTER) == before.replace(anchor, anchor + inserted)


def test_complete_inserts_before_ratings(data):
    run("reply", "HF-2026-00017", "--department", "town-dongcheng", "--kind", "final", "--text", "已修复",
        "--at", "2026-09-04T17:00")
    before = read(FORUM_LETTER)
    result = run("complete", "HF-2026-00017", "--at", "2026-09-04T17:30")
    assert result.exit_code == 0, result.output
    assert read(FORUM_LETTER) == before.replace("ratings:\n", "completed_at: 2026-09-04T17:30:00+08:00\nratings:\n")


def test_rate_reader_adds_to_count(data):
    before = read(FORUM_LETTER)
    assert run("rate", "HF-2026-00017", "--reader-score", "5").exit_code == 0
    assert diff(before, read(FORUM_LETTER)) == (["    5: 3"], ["    5: 4"])


def test_rate_reader_inserts_new_score_in_order(data):
    before = read(FORUM_LETTER)
    assert run("rate", "HF-2026-00017", "--reader-score", "4").exit_code == 0
    assert read(FORUM_LETTER) == before.replace("    2: 1\n", "    2: 1\n    4: 1\n")


def test_rate_author_goes_before_readers(data):
    before = read(FORUM_LETTER)
    assert run("rate", "HF-2026-00017", "--author-score", "3").exit_code == 0
    assert read(FORUM_LETTER) == before.replace("ratings:\n", "ratings:\n  author: 3\n")


def test_rate_needs_exactly_one_score(data):
    result = run("rate", "HF-2026-00017")
    assert result.exit_code == 1
    assert str(result.exception) == "give exactly one of --author-score and --reader-score"


def test_assign_unassigned_letter(data):
    before = read(NEW_LETTER)
    result = run("assign", "HF-2026-00019", "--department", "town-xicheng", "--department", "county-housing",
                 "--at", "2026-09-21T14:00")
    assert result.exit_code == 0, result.output
    assert read(NEW_LETTER) == before + textwrap.dedent("""\
        assignment:
          departments:
          - town-xicheng
          - county-housing
          at: 2026-09-21T14:00:00+08:00
        """)


def test_reassign_keeps_comment_on_lead(data):
    before = read(FORUM_LETTER)
    result = run("assign", "HF-2026-00017", "--department", "town-dongcheng", "--department", "town-xicheng",
                 "--at", "2026-09-01T15:00:00+08:00")
    assert result.exit_code == 1  # county-housing's reply would no longer be of an assigned department
    assert read(FORUM_LETTER) == before


def test_assign_same_time_changes_only_department(data):
    before = read(HOTLINE_LETTER)
    result = run("assign", "HF-2026-00018", "--department", "town-dongcheng", "--at", "2026-09-07 10:00")
    assert result.exit_code == 0, result.output
    assert diff(before, read(HOTLINE_LETTER)) == (["      - town-xicheng"], ["      - town-dongcheng"])


def test_assign_new_time_replaces_quoted_time(data):
    before = read(HOTLINE_LETTER)
    result = run("assign", "HF-2026-00018", "--department", "town-xicheng", "--at", "2026-09-07 11:00")
    assert result.exit_code == 0, result.output
    assert diff(before, read(HOTLINE_LETTER)) == (["    at: '2026-09-07 10:00'"],
                                                  ["    at: 2026-09-07T11:00:00+08:00"])


def test_extension_request_and_approval_follow_indented_style(data):
    before = read(HOTLINE_LETTER)
    assert run("extend", "HF-2026-00018", "request", "--department", "town-xicheng", "--until", "2026-10-16",
               "--reason", "no", "--at", "2026-09-08T09:00").exit_code == 0
    assert run("extend", "HF-2026-00018", "approve", "--at", "2026-09-08T15:00").exit_code == 0
    removed, added = diff(before, read(HOTLINE_LETTER))
    assert removed == []
    assert added == [
        "extension:",
        "    requested_at: 2026-09-08T09:00:00+08:00",
        "    department: town-xicheng",
        "    until: 2026-10-16",
        "    reason: 'no'",
        "    decision: approved",
        "    decided_at: 2026-09-08T15:00:00+08:00",
    ]


def test_reply_in_indented_style_appended_at_end(data):
    before = read(HOTLINE_LETTER)
    result = run("reply", "HF-2026-00018", "--department", "town-xicheng", "--kind", "interim",
                 "--text", "017", "--at", "2026-09-08 10:00")
    assert result.exit_code == 0, result.output
    assert read(HOTLINE_LETTER) == before + textwrap.dedent("""\
        replies:
          - at: 2026-09-08T10:00:00+08:00
            department: town-xicheng
            kind: interim
            text: '017'
        """)


def test_key_inserted_above_comment_of_next_key(data):
    run("extend", "HF-2026-00018", "request", "--department", "town-xicheng", "--until", "2026-10-16",
        "--reason", "需要协调", "--at", "2026-09-08T09:00")
    before = read(HOTLINE_LETTER)
    result = run("reply", "HF-2026-00018", "--department", "town-xicheng", "--kind", "interim",
                 "--text", "已受理", "--at", "2026-09-08 10:00")
    assert result.exit_code == 0, result.output
    # The comment above extension: stays there; the replies go above the comment.
    assert read(HOTLINE_LETTER) == before.replace("# No reply yet.\nextension:", textwrap.dedent("""\
        replies:
          - at: 2026-09-08T10:00:00+08:00
            department: town-xicheng
            kind: interim
            text: 已受理
        # No reply yet.
        extension:"""))


def test_extend_reject_after_decision_fails(data):
    run("extend", "HF-2026-00018", "request", "--department", "town-xicheng", "--until", "2026-10-16",
        "--reason", "需要协调", "--at", "2026-09-08T09:00")
    run("extend", "HF-2026-00018", "approve", "--at", "2026-09-08T15:00")
    before = read(HOTLINE_LETTER)
    result = run("extend", "HF-2026-00018", "reject")
    assert result.exit_code == 1
    assert str(result.exception) == ("the extension of HF-2026-00018 was already approved; to change the "
                                     "decision, edit the file by hand")
    assert read(HOTLINE_LETTER) == before


def test_extend_request_needs_all_options(data):
    result = run("extend", "HF-2026-00018", "request", "--department", "town-xicheng")
    assert result.exit_code == 1
    assert str(result.exception) == "extend request needs --until, --reason"


def test_explain_updates_only_changed_fields(data):
    before = read(EXPLANATION)
    result = run("explain", "--department", "town-xicheng", "--period", "2026-Q2", "--text", "17:00",
                 "--at", "2026-07-11T09:00")
    assert result.exit_code == 0, result.output
    assert diff(before, read(EXPLANATION)) == (
        ["published_at: 2026-07-10T09:00:00+08:00", "text: >",
         "  本季度我镇办结率偏低，主要原因是两件复杂信件涉及多个部门。"],
        ["published_at: 2026-07-11T09:00:00+08:00", "text: '17:00'"],
    )


def test_explain_writes_new_file(data):
    result = run("explain", "--department", "town-dongcheng", "--period", "2026-Q3", "--text", "第一行\n第二行",
                 "--measure", "yes", "--at", "2026-10-12T09:00")
    assert result.exit_code == 0, result.output
    path = Path("data/explanations/2026-Q3/town-dongcheng.yaml")
    assert read(path) == textwrap.dedent("""\
        department: town-dongcheng
        period: 2026-Q3
        published_at: 2026-10-12T09:00:00+08:00
        text: |
          第一行
          第二行
        measures:
        - 'yes'
        """)


def test_explain_rejects_bad_period(data):
    result = run("explain", "--department", "town-dongcheng", "--period", "2026-Q5", "--text", "x")
    assert result.exit_code == 1
    assert str(result.exception) == "'2026-Q5' is not a period; write it like 2026, 2026-09, 2026-Q3 or 2026-H2"


@pytest.mark.parametrize("name", ["HF-2026-00017.yaml", "HF-2026-00018.yaml", "HF-2026-00019.yaml"])
def test_roundtrip_without_edit_is_identical(name):
    text = read(FIXTURE / "letters" / "2026" / "09" / name)
    assert roundtrip.load(text).dump() == text


def test_crlf_file_keeps_line_endings(data):
    original = read(NEW_LETTER).replace("\n", "\r\n")
    NEW_LETTER.write_bytes(original.encode())
    assert run("assign", "HF-2026-00019", "--department", "town-xicheng", "--at", "2026-09-21T14:00").exit_code == 0
    written = NEW_LETTER.read_bytes().decode()
    assert written.startswith(original)
    assert written[len(original):] == ("assignment:\r\n  departments:\r\n  - town-xicheng\r\n"
                                       "  at: 2026-09-21T14:00:00+08:00\r\n")


# Values read back the same

@pytest.mark.parametrize("text, line", [
    ("no", "'no'"),
    ("yes", "'yes'"),
    ("017", "'017'"),
    ("17:00", "'17:00'"),
    ("2026-09-18", "'2026-09-18'"),
    ("1.5", "'1.5'"),
    ("null", "'null'"),
    ("~", "'~'"),
    ("it's", "it's"),
    ("#5 号楼", "'#5 号楼'"),
    ("地址: 幸福路", "'地址: 幸福路'"),
    ("- 第一条", "'- 第一条'"),
    ('"引号"', "'\"引号\"'"),
])
def test_reply_text_reads_back_same(data, text, line):
    result = run("reply", "HF-2026-00017", "--department", "county-housing", "--kind", "interim",
                 "--text", text, "--at", "2026-09-04T09:00")
    assert result.exit_code == 0, result.output
    written = read(FORUM_LETTER)
    assert f"  text: {line}\n" in written
    assert loads(written)["replies"][-1]["text"] == text
    assert yaml.safe_load(written)["replies"][-1]["text"] == text  # a YAML 1.1 reader agrees


def test_at_with_offset_is_written_in_county_time(data):
    result = run("reply", "HF-2026-00017", "--department", "county-housing", "--kind", "interim",
                 "--text", "收到", "--at", "2026-09-04T01:30:00Z")
    assert result.exit_code == 0, result.output
    assert "- at: 2026-09-04T09:30:00+08:00\n" in read(FORUM_LETTER)


def test_at_without_time_is_rejected(data):
    result = run("complete", "HF-2026-00017", "--at", "2026-09-04")
    assert result.exit_code == 1
    assert str(result.exception) == ("--at: is not a date and time (expected 2026-09-18 09:30 or "
                                     "2026-09-18T09:30:00+08:00, found '2026-09-04'); add the time of day, "
                                     "for example '2026-09-04 17:00'")


def test_reply_text_from_file_and_editor(data, tmp_path):
    source = tmp_path / "reply.txt"
    source.write_text("文件中的回复\n第二行\n", encoding="utf-8")
    assert run("reply", "HF-2026-00017", "--department", "county-housing", "--kind", "interim",
               "--file", str(source), "--at", "2026-09-04T09:00").exit_code == 0
    editor = tmp_path / "editor.py"
    editor.write_text(textwrap.dedent("""\
        import sys
        path = sys.argv[1]
        text = open(path, encoding="utf-8").read()
        open(path, "w", encoding="utf-8").write("编辑器中的回复\\n" + text)
        """), encoding="utf-8")
    command = f"{sys.executable} {editor}"
    result = run("reply", "HF-2026-00017", "--department", "county-housing", "--kind", "interim",
                 "--at", "2026-09-04T10:00", env={"EDITOR": command, "VISUAL": command})
    assert result.exit_code == 0, result.output
    replies = loads(read(FORUM_LETTER))["replies"]
    assert replies[-2]["text"] == "文件中的回复\n第二行\n"
    assert replies[-1]["text"] == "编辑器中的回复"


def test_reply_text_and_file_together_rejected(data, tmp_path):
    result = run("reply", "HF-2026-00017", "--department", "county-housing", "--kind", "interim",
                 "--text", "a", "--file", str(tmp_path / "x.txt"))
    assert result.exit_code == 1
    assert str(result.exception) == "give the reply text with --text or with --file, not both"


# Registration

def test_new_letter_takes_next_free_id(data):
    result = run("new", "--channel", "forum", "--type", "opinion", "--author", "网民乙", "--title", "17:00",
                 "--body", "内容\n第二段", "--received", "2026-09-22T09:00", "--private")
    assert result.exit_code == 0, result.output
    path = LETTERS / "HF-2026-00020.yaml"
    assert result.output == f"{path}: registered letter HF-2026-00020\n"
    assert read(path) == textwrap.dedent("""\
        id: HF-2026-00020
        received: 2026-09-22T09:00:00+08:00
        channel: forum
        type: opinion
        complexity: general
        public: false
        author: 网民乙
        title: '17:00'
        body: |
          内容
          第二段
        """)
    validated = CliRunner().invoke(cli, ["validate", "--data", "data"])
    assert validated.exit_code == 0, validated.output


def test_new_letter_goes_to_folder_of_local_date(data):
    result = run("new", "--id", "HF-2026-00100", "--channel", "hotline", "--type", "complaint", "--author", "甲",
                 "--title", "t", "--body", "b", "--received", "2026-09-30T17:30:00Z")
    assert result.exit_code == 0, result.output
    assert Path("data/letters/2026/10/HF-2026-00100.yaml").exists()


def test_new_letter_rejects_existing_id(data):
    result = run("new", "--id", "HF-2026-00017", "--channel", "forum", "--type", "opinion", "--author", "甲",
                 "--title", "t", "--body", "b")
    assert result.exit_code == 1
    assert str(result.exception) == ("letter HF-2026-00017 already exists (data/letters/2026/09/HF-2026-00017.yaml);"
                                     " leave out --id to get the next free id")


# A failed command leaves the file as it was

def test_reply_of_unassigned_department_leaves_file(data):
    before = FORUM_LETTER.read_bytes()
    result = run("reply", "HF-2026-00017", "--department", "town-xicheng", "--kind", "final", "--text", "x",
                 "--at", "2026-09-04T09:00")
    assert result.exit_code == 1
    assert str(result.exception) == (
        "nothing was written: the result would have 1 error(s):\n"
        "data/letters/2026/09/HF-2026-00017.yaml:36:15: replies[2].department: is not assigned to this letter "
        "(expected one of town-dongcheng, county-housing, found 'town-xicheng'); assign the department first "
        "(wenzheng assign) or correct the id")
    assert FORUM_LETTER.read_bytes() == before


def test_complete_without_final_reply_leaves_file(data):
    before = HOTLINE_LETTER.read_bytes()
    result = run("complete", "HF-2026-00018", "--at", "2026-09-09T09:00")
    assert result.exit_code == 1
    assert "completed_at: is set but the letter has no final reply at or before it" in str(result.exception)
    assert HOTLINE_LETTER.read_bytes() == before


def test_extension_after_working_day_14_rejected(data):
    before = HOTLINE_LETTER.read_bytes()
    # Received Monday 2026-09-07; working day 14 is 2026-09-24 (Sunday the 20th is a make-up working day).
    result = run("extend", "HF-2026-00018", "request", "--department", "town-xicheng", "--until", "2026-10-30",
                 "--reason", "r", "--at", "2026-09-28T09:00")
    assert result.exit_code == 1
    assert ("extension.requested_at: is after the extension cut-off (expected on or before working day 14 "
            "(2026-09-24), found working day 15)") in str(result.exception)
    assert HOTLINE_LETTER.read_bytes() == before


def test_unknown_department_rejected(data):
    result = run("reply", "HF-2026-00017", "--department", "town-nowhere", "--kind", "final", "--text", "x")
    assert result.exit_code == 1
    assert str(result.exception) == ("unknown department 'town-nowhere' (expected one of county-housing, "
                                     "town-dongcheng, town-xicheng); check the id in data/departments.yaml")


def test_unknown_letter_rejected(data):
    result = run("complete", "HF-2026-09999")
    assert result.exit_code == 1
    assert str(result.exception) == ("letter HF-2026-09999 not found under data/letters; check the id "
                                     "(the file is letters/<year>/<month>/HF-2026-09999.yaml)")


def test_failed_replace_leaves_file_and_no_temporary(data, monkeypatch):
    before = FORUM_LETTER.read_bytes()

    def fail(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    result = run("rate", "HF-2026-00017", "--reader-score", "5")
    assert isinstance(result.exception, OSError)
    assert FORUM_LETTER.read_bytes() == before
    assert sorted(path.name for path in LETTERS.iterdir()) == [
        "HF-2026-00017.yaml", "HF-2026-00018.yaml", "HF-2026-00019.yaml"]


def test_killed_process_leaves_file_intact(data):
    before = FORUM_LETTER.read_bytes()
    # The child writes the new text to its temporary file, then is killed just before the rename.
    script = textwrap.dedent("""\
        import os, signal, sys
        from pathlib import Path

        def killed(source, target):
            assert Path(source).read_text(encoding="utf-8").count("- at:") == 3
            os.kill(os.getpid(), signal.SIGKILL)

        os.replace = killed
        sys.argv = ["wenzheng", "reply", "HF-2026-00017", "--department", "county-housing", "--kind", "final",
                    "--text", "已修复", "--at", "2026-09-04T09:00", "--data", "data"]
        from generator.cli import main
        main()
        """)
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False,
                             env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert FORUM_LETTER.read_bytes() == before
    validated = CliRunner().invoke(cli, ["validate", "--data", "data"])
    assert validated.exit_code == 0, validated.output


@pytest.mark.parametrize("name", ["new", "assign", "reply", "extend", "complete", "rate", "explain", "check-change"])
def test_staff_guide_documents_every_option(name):
    guide = (REPO_ROOT / "docs" / "staff-guide.md").read_text(encoding="utf-8")
    command = cli.get_command(None, name)
    assert f"wenzheng {name}" in guide
    for parameter in command.params:
        for option in parameter.opts:
            if option.startswith("--"):
                assert option in guide, f"{option} of wenzheng {name} is not in docs/staff-guide.md"


def test_editor_text_kept_when_edit_fails(data, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'w', encoding='utf-8').write('已办结，谢谢。\\n')\n",
                      encoding="utf-8")
    command = f"{sys.executable} {editor}"
    # town-xicheng is not assigned to the letter, so the reply is rejected after the editor closed.
    result = run("reply", "HF-2026-00017", "--department", "town-xicheng", "--kind", "final",
                 env={"EDITOR": command, "VISUAL": command})
    assert result.exit_code == 1
    saved = Path(result.stderr.split("Your text was saved to ", 1)[1].split(";", 1)[0])
    assert saved.parent == tmp_path
    assert saved.read_text(encoding="utf-8") == "已办结，谢谢。\n"


def test_unknown_department_rejected_before_editor(data):
    result = run("reply", "HF-2026-00017", "--department", "town-nowhere", "--kind", "final",
                 env={"EDITOR": "false", "VISUAL": "false"})
    assert result.exit_code == 1
    assert str(result.exception).startswith("unknown department 'town-nowhere'")


def test_reply_with_phone_number_rejected(data):
    before = FORUM_LETTER.read_bytes()
    result = run("reply", "HF-2026-00017", "--department", "town-dongcheng", "--kind", "final",
                 "--text", "请联系经办人，电话13812345678。", "--at", "2026-09-04T09:00")
    assert result.exit_code == 1
    assert str(result.exception) == (
        "nothing was written: the result would have 1 error(s):\n"
        "data/letters/2026/09/HF-2026-00017.yaml:38:18: replies[2].text: published text contains a mobile phone "
        "number (expected no personal data, found 138****5678); take it out of the text; a department's own "
        "numbers are allowed once listed under its phones: in departments.yaml")
    assert FORUM_LETTER.read_bytes() == before
