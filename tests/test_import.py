"""Tests of wenzheng import: small hand-made exports, then the real platform export."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from conftest import shared_data
from generator.cli import cli
from generator.errors import DataError, WenzhengError
from generator.import_mapping import load_mapping, mapping_schema, resolve_mapping
from generator.importer import clean_line, clean_text, detect_delimiter, import_file, pseudonym
from generator.yamlio import load_file

ZONE = ZoneInfo("Asia/Shanghai")
HEADER = ["编号", "用户", "主题", "时间", "详情", "答复", "答复时间"]

BASE_MAPPING = {
    "columns": {"source_id": "编号", "author": "用户", "title": "主题", "received": "时间", "body": "详情",
                "reply_text": "答复", "reply_at": "答复时间"},
    "id": {"prefix": "TT", "digits": 5},
    "author": {"salt": "unit-test-salt"},
    "replies": {"interim_patterns": ["^留言已收悉$"]},
    "assign": {
        "rules": [
            {"pattern": "教育局", "department": "edu"},
            {"pattern": "公安|派出所", "department": "police"},
            {"pattern": "停车", "department": "urban", "in": "title"},
        ],
        "default": "office",
    },
    "departments": [
        {"id": "office", "name": "县政府办", "category": "county_department"},
        {"id": "edu", "name": "县教育局", "category": "county_department"},
        {"id": "police", "name": "县公安局", "category": "county_department"},
        {"id": "urban", "name": "县城管局", "category": "county_department"},
    ],
}


def row(source_id="101", user="U001", title="路灯不亮", received="2019/4/25 9:32:09", body="村口路灯坏了。",
        reply="县教育局：已修好。", reply_at="2019/4/26 10:00:00"):
    return [source_id, user, title, received, body, reply, reply_at]


def write_mapping(folder: Path, **changes) -> Path:
    data = json.loads(json.dumps(BASE_MAPPING, ensure_ascii=False))
    for key, value in changes.items():
        data[key] = value
    path = folder / "mapping.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_csv(folder: Path, rows, header=HEADER, delimiter=",", name="export.csv", encoding="utf-8") -> Path:
    path = folder / name
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_import(tmp_path, rows, mapping_changes=None, **csv_options):
    source = write_csv(tmp_path, rows, **csv_options)
    mapping = load_mapping(write_mapping(tmp_path, **(mapping_changes or {})))
    out = tmp_path / "out"
    return import_file(source, mapping, out), out


def letters_in(out: Path) -> dict[str, dict]:
    return {path.stem: load_file(path) for path in sorted((out / "letters").rglob("*.yaml"))}


def tree_hashes(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


# Dates


@pytest.mark.parametrize("received, expected", [
    ("2019/4/25 9:32:09", "2019-04-25T09:32:09+08:00"),
    ("2019-04-08 08:37:20", "2019-04-08T08:37:20+08:00"),
    ("2019/4/25 9:32", "2019-04-25T09:32:00+08:00"),
    ("2019年4月25日 9:32:09", "2019-04-25T09:32:09+08:00"),
    ("2018/4/24", "2018-04-24T00:00:00+08:00"),
    ("  2019/4/25   9:32:09 ", "2019-04-25T09:32:09+08:00"),
])
def test_received_text_forms(tmp_path, received, expected):
    report, out = run_import(tmp_path, [row(received=received, reply_at="2019/5/6 10:00:00")])
    letter = letters_in(out)[f"TT-{expected[:4]}-00101"]
    assert letter["received"] == expected
    assert len(report.written) == 1


def test_bare_reply_date_at_1700(tmp_path):
    report, out = run_import(tmp_path, [row(reply_at="2019/4/26"), row(source_id="102")])
    letter = letters_in(out)["TT-2019-00101"]
    assert letter["replies"][0]["at"] == "2019-04-26T17:00:00+08:00"
    assert letter["completed_at"] == "2019-04-26T17:00:00+08:00"
    assert report.bare_dates == {"reply_at": 1}
    assert report.bare_date_rows == [{"row": 2, "id": "TT-2019-00101", "column": "reply_at"}]
    assert "bare dates in reply_at: 1, read as 17:00 (rows 2)" in report.format()


def test_bare_date_time_from_mapping(tmp_path):
    report, out = run_import(tmp_path, [row(reply_at="2019/4/26")],
                             {"dates": {"bare_date_time": {"reply_at": "23:59"}}})
    assert letters_in(out)["TT-2019-00101"]["replies"][0]["at"] == "2019-04-26T23:59:00+08:00"


def test_date_formats_from_mapping(tmp_path):
    report, out = run_import(tmp_path, [row(received="25.04.2019 09:32", reply_at="26.04.2019")],
                             {"dates": {"formats": ["%d.%m.%Y %H:%M", "%d.%m.%Y"]}})
    letter = letters_in(out)["TT-2019-00101"]
    assert letter["received"] == "2019-04-25T09:32:00+08:00"
    assert letter["replies"][0]["at"] == "2019-04-26T17:00:00+08:00"


def test_time_zone_from_mapping(tmp_path):
    report, out = run_import(tmp_path, [row()], {"time_zone": "Asia/Tokyo"})
    assert letters_in(out)["TT-2019-00101"]["received"] == "2019-04-25T09:32:09+09:00"
    assert report.time_zone == "Asia/Tokyo"


def test_time_zone_from_target_policy(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    policy = (Path(__file__).resolve().parents[1] / "data" / "policy.yaml").read_text(encoding="utf-8")
    (out / "policy.yaml").write_text(policy.replace("time_zone: Asia/Shanghai", "time_zone: Asia/Urumqi"),
                                     encoding="utf-8")
    report, out = run_import(tmp_path, [row()])
    assert letters_in(out)["TT-2019-00101"]["received"] == "2019-04-25T09:32:09+06:00"
    assert report.support_files["policy.yaml"] == "kept"


def test_xlsx_datetime_cells(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([2549, "U1", "标题", dt.datetime(2019, 4, 8, 8, 37, 20), "正文", "答复", "2019/4/9 10:00:00"])
    sheet.append([2550, "U1", "标题", "2019/4/8 8:00:00", "正文", "答复", dt.datetime(2019, 4, 10)])
    source = tmp_path / "export.xlsx"
    workbook.save(source)
    report = import_file(source, load_mapping(write_mapping(tmp_path)), tmp_path / "out")
    letters = letters_in(tmp_path / "out")
    assert letters["TT-2019-02549"]["received"] == "2019-04-08T08:37:20+08:00"
    # A date-only cell comes back at midnight and is read as a bare date.
    assert letters["TT-2019-02550"]["replies"][0]["at"] == "2019-04-10T17:00:00+08:00"
    assert report.bare_dates == {"reply_at": 1}


# Cleaning


def test_clean_text_strips_padding_and_keeps_words():
    raw = "\n\t\t\t\t\t\n\t\t\t\t\t第一段。\r\n\u3000\u3000第二段，\u3000\u3000第三段。\r\n\r\n\r\n\t结尾\t\n\t\t"
    assert clean_text(raw) == "第一段。\n第二段，\n第三段。\n\n结尾"


def test_clean_text_turns_padding_runs_into_line_breaks():
    raw = "感谢您的支持。\xa0\xa0\xa0\xa02018年8月27日"
    assert clean_text(raw) == "感谢您的支持。\n2018年8月27日"


def test_clean_text_keeps_single_spaces():
    assert clean_text("A 区 B\xa0路") == "A 区 B\xa0路"


def test_clean_line_joins_title_lines():
    assert clean_line("\n\t关于\u3000\u3000路灯\r\n的问题\t") == "关于 路灯 的问题"


def test_imported_text_is_cleaned(tmp_path):
    report, out = run_import(tmp_path, [row(title="\t路灯不亮\n", body="\n\t\t\t正文\u3000\u3000第二段\r\n",
                                            reply="\u3000\u3000答复。\r\n")])
    letter = letters_in(out)["TT-2019-00101"]
    assert letter["title"] == "路灯不亮"
    assert letter["body"] == "正文\n第二段"
    assert letter["replies"][0]["text"] == "答复。"


# Departments


def test_first_matching_rule_wins(tmp_path):
    report, out = run_import(tmp_path, [row(reply="请联系派出所，县教育局已答复。")])
    assert letters_in(out)["TT-2019-00101"]["assignment"]["departments"] == ["edu"]


def test_rule_on_title(tmp_path):
    report, out = run_import(tmp_path, [row(title="小区停车难", reply="已处理。")])
    letter = letters_in(out)["TT-2019-00101"]
    assert letter["assignment"]["departments"] == ["urban"]
    assert letter["replies"][0]["department"] == "urban"


def test_unmatched_row_goes_to_default_department(tmp_path):
    report, out = run_import(tmp_path, [row(reply="已处理。"), row(source_id="102"),
                                        row(source_id="103", reply="派出所已出警。")])
    assert letters_in(out)["TT-2019-00101"]["assignment"]["departments"] == ["office"]
    assert report.departments == {"office": 1, "edu": 1, "police": 1}
    assert report.assigned_by == {"default": 1, "rule": 2}
    text = report.format()
    assert "       1  office 县政府办" in text
    assert "assigned by: default 1, rule 2" in text


def test_department_column_values(tmp_path):
    header = HEADER + ["部门"]
    rows = [row() + ["公安"], row(source_id="102") + ["县城管局"], row(source_id="103") + ["edu"],
            row(source_id="104") + [""], row(source_id="105", reply="已处理。") + [""]]
    changes = {"columns": {**BASE_MAPPING["columns"], "department": "部门"},
               "assign": {**BASE_MAPPING["assign"], "values": {"公安": "police"}}}
    report, out = run_import(tmp_path, rows, changes, header=header)
    departments = {key: value["assignment"]["departments"][0] for key, value in letters_in(out).items()}
    assert departments == {"TT-2019-00101": "police", "TT-2019-00102": "urban", "TT-2019-00103": "edu",
                           "TT-2019-00104": "edu", "TT-2019-00105": "office"}
    assert report.assigned_by == {"column": 3, "rule": 1, "default": 1}


def test_unknown_department_value_is_rejected(tmp_path):
    header = HEADER + ["部门"]
    changes = {"columns": {**BASE_MAPPING["columns"], "department": "部门"}}
    report, out = run_import(tmp_path, [row() + ["水务局"]], changes, header=header)
    assert report.rejected[0]["message"] == (
        "export.csv:2:8: 部门: is not a known department (expected a value listed under assign.values, "
        "or a department id or name, found '水务局'); add the value under assign.values in the mapping")


def test_departments_file_lists_every_mapped_department(tmp_path):
    report, out = run_import(tmp_path, [row()])
    document = load_file(out / "departments.yaml")
    assert [item["id"] for item in document["departments"]] == ["office", "edu", "police", "urban"]
    assert document["departments"][1] == {"id": "edu", "name": "县教育局", "category": "county_department",
                                          "spokesperson": {"name": "待指定"}}
    assert document["office"] == {"name": "网络问政办公室", "members": ["wz-office"]}
    assert (out / "policy.yaml").read_bytes() == (
        Path(__file__).resolve().parents[1] / "data" / "policy.yaml").read_bytes()


def test_existing_departments_file_missing_a_department(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "departments.yaml").write_text(
        "office:\n  name: 办\n  members: [a]\ndepartments:\n"
        "- {id: office, name: 办, category: county_department, spokesperson: {name: 甲}}\n", encoding="utf-8")
    with pytest.raises(WenzhengError) as error:
        run_import(tmp_path, [row()])
    assert str(error.value) == (
        f"{out / 'departments.yaml'}: lacks the departments edu, police, urban, which the mapping can assign; "
        "add them to the file, or delete it so the import writes a new one")
    assert not (out / "letters").exists()


# Replies


def test_final_reply_completes_the_letter(tmp_path):
    report, out = run_import(tmp_path, [row()])
    letter = letters_in(out)["TT-2019-00101"]
    assert letter["replies"] == [{"at": "2019-04-26T10:00:00+08:00", "department": "edu", "kind": "final",
                                  "text": "县教育局：已修好。"}]
    assert letter["completed_at"] == "2019-04-26T10:00:00+08:00"
    assert letter["assignment"] == {"departments": ["edu"], "at": "2019-04-25T09:32:09+08:00"}
    assert (letter["channel"], letter["type"], letter["complexity"], letter["public"]) == (
        "forum", "opinion", "general", True)


def test_acknowledgement_reply_is_interim_and_leaves_letter_open(tmp_path):
    report, out = run_import(tmp_path, [row(reply="\u3000留言已收悉\n")])
    letter = letters_in(out)["TT-2019-00101"]
    assert letter["replies"][0]["kind"] == "interim"
    assert "completed_at" not in letter
    assert report.interim == 1


def test_row_without_reply_is_an_open_letter(tmp_path):
    report, out = run_import(tmp_path, [row(reply="", reply_at="")])
    letter = letters_in(out)["TT-2019-00101"]
    assert "replies" not in letter
    assert "completed_at" not in letter
    assert letter["assignment"]["departments"] == ["office"]


def test_close_letter_false_and_assignment_at_reply(tmp_path):
    report, out = run_import(tmp_path, [row()], {"replies": {"close_letter": False, "assignment_at": "reply"}})
    letter = letters_in(out)["TT-2019-00101"]
    assert "completed_at" not in letter
    assert letter["assignment"]["at"] == "2019-04-26T10:00:00+08:00"


def test_type_column(tmp_path):
    header = HEADER + ["类别"]
    changes = {"columns": {**BASE_MAPPING["columns"], "type": "类别"},
               "types": {"投诉": "complaint", "咨询": "consultation"}}
    report, out = run_import(tmp_path, [row() + ["投诉"], row(source_id="102") + ["表扬"]], changes,
                             header=header)
    assert letters_in(out)["TT-2019-00101"]["type"] == "complaint"
    assert report.rejected[0]["code"] == "unknown-type"


# Outcomes of rows


def test_empty_rows_and_identical_duplicates_are_skipped(tmp_path):
    rows = [row(), ["", "", "", "", "", "", ""], ["", "", "", "", "", "", ""], row(), row(source_id="102")]
    report, out = run_import(tmp_path, rows)
    assert [(item["row"], item["reason"]) for item in report.skipped] == [
        (3, "empty row"), (4, "empty row"), (5, "duplicate of row 2 (same source id, same content)")]
    assert len(report.written) == 2
    assert "  rows 3-4: empty row\n  row 5: duplicate of row 2 (same source id, same content)" in report.format()


@pytest.mark.parametrize("cells, message", [
    (row(received="2019/13/45 9:00"),
     "export.csv:2:4: 时间: is not a real date or time (month must be in 1..12) (expected an existing date and "
     "time, found '2019/13/45 9:00'); correct the cell"),
    (row(received="昨天下午"),
     "export.csv:2:4: 时间: is not a date and time (expected a form such as 2019/4/25 9:32:09, 2019-04-08 "
     "08:37:20 or 2018/4/24, found '昨天下午'); correct the cell or list its form under dates.formats in the "
     "mapping"),
    (row(reply_at="2019/4/24 10:00:00"),
     "export.csv:2:7: 答复时间: is before the letter was received (expected on or after 2019-04-25 09:32, "
     "found 2019-04-24 10:00); correct the reply time or the receipt time"),
    (row(title="  "),
     "export.csv:2:3: 主题: is empty (expected the letter's title, found nothing); fill in the cell or delete "
     "the row"),
    (row(source_id="A-17"),
     "export.csv:2:1: 编号: is not a whole number (expected digits only, found 'A-17'); letter ids are made "
     "from numeric source ids; correct the cell"),
    (row(source_id="123456789"),
     "export.csv:2:1: 编号: has more than 7 digits (expected at most 7 digits, found 123456789); letter ids "
     "hold at most 7 digits; renumber the source ids"),
    (row(reply_at=""),
     "export.csv:2:7: 答复时间: is empty although the row has a reply text (expected the time the reply was "
     "published, found nothing); fill in the reply time"),
    (row(reply=""),
     "export.csv:2:6: 答复: is empty although the row has a reply time (expected the reply's text, found "
     "nothing); fill in the reply text or clear the reply time"),
    (row(title="很长" * 101),
     "export.csv:2:3: 主题: makes an invalid letter: title: is too long (expected at most 200 characters, "
     "found 202 characters); shorten it"),
])
def test_rejected_row_messages(tmp_path, cells, message):
    report, out = run_import(tmp_path, [cells])
    assert [item["message"] for item in report.rejected] == [message]
    assert report.rejected[0]["row"] == 2
    assert report.written == []


def test_duplicate_source_id_with_other_content_is_rejected(tmp_path):
    report, out = run_import(tmp_path, [row(), row(title="另一个标题")])
    assert report.rejected == [{
        "row": 3, "source_id": "101", "code": "duplicate-conflict", "column": "编号",
        "message": "export.csv:3:1: 编号: is also used by row 2 with different content (expected a source id "
                   "used once, found 101); keep the correct row and delete the other, or give it its own number",
    }]


def test_every_row_has_exactly_one_outcome(tmp_path):
    rows = [row(), row(source_id="102", received="坏日期"), ["", "", "", "", "", "", ""], row(),
            row(source_id="103")]
    report, out = run_import(tmp_path, rows)
    outcomes = sorted([item["row"] for item in report.written] + [item["row"] for item in report.skipped]
                      + [item["row"] for item in report.rejected])
    assert outcomes == [2, 3, 4, 5, 6]
    assert report.rows == 5


def test_letter_id_from_source_id_and_year(tmp_path):
    report, out = run_import(tmp_path, [row(source_id="7", received="2018/12/31 23:59:00",
                                            reply_at="2019/1/2 9:00:00")])
    assert list(letters_in(out)) == ["TT-2018-00007"]
    assert (out / "letters" / "2018" / "12" / "TT-2018-00007.yaml").is_file()


# Pseudonyms and personal data


def test_pseudonym_is_stable_and_salted(tmp_path):
    mapping = load_mapping(write_mapping(tmp_path))
    first = pseudonym("A00045581", mapping)
    assert first == pseudonym(" A00045581 ", mapping)
    assert re.fullmatch(r"网友[0-9a-f]{8}", first)
    assert first != pseudonym("A00045582", mapping)
    mapping.salt = "another-salt-value"
    assert first != pseudonym("A00045581", mapping)


def test_author_name_never_written(tmp_path):
    report, out = run_import(tmp_path, [row(user="张三丰"), row(source_id="102", user="张三丰"),
                                        row(source_id="103", user="")])
    letters = letters_in(out)
    assert letters["TT-2019-00101"]["author"] == letters["TT-2019-00102"]["author"]
    assert letters["TT-2019-00103"]["author"] == "匿名网友"
    assert not any("张三丰" in path.read_text(encoding="utf-8") for path in out.rglob("*.yaml"))


def test_author_name_in_texts_replaced_by_pseudonym(tmp_path):
    report, out = run_import(tmp_path, [row(user="UU0081230", reply="网友“UU0081230”您好！县教育局已办理。"),
                                        row(source_id="102", user="U1", reply="U1 您好")])
    letter = letters_in(out)["TT-2019-00101"]
    assert letter["replies"][0]["text"] == f"网友“{letter['author']}”您好！县教育局已办理。"
    assert report.author_mentions == 2


def test_personal_data_masked_and_reported(tmp_path):
    report, out = run_import(tmp_path, [row(body="请回电13812345678。")])
    letter = letters_in(out)["TT-2019-00101"]
    assert "13812345678" not in letter["body"]
    assert report.personal_data[0]["row"] == 2
    assert report.personal_data[0]["id"] == "TT-2019-00101"
    assert [(item["field"], item["kind"]) for item in report.personal_data[0]["findings"]] == [
        ("body", report.personal_data[0]["findings"][0]["kind"])]
    assert "13812345678" not in json.dumps(report.as_dict(), ensure_ascii=False)


def test_personal_data_report_only(tmp_path):
    report, out = run_import(tmp_path, [row(body="请回电13812345678。")], {"personal_data": "report"})
    assert letters_in(out)["TT-2019-00101"]["body"] == "请回电13812345678。"
    assert len(report.personal_data) == 1


def test_personal_data_reject(tmp_path):
    report, out = run_import(tmp_path, [row(body="请回电13812345678。")], {"personal_data": "reject"})
    assert report.rejected[0]["code"] == "personal-data"
    assert report.rejected[0]["message"].startswith("export.csv:2:5: 详情: contains 1 piece(s) of personal data")


# Re-running, files and the command line


def test_reimport_changes_nothing(tmp_path):
    rows = [row(), row(source_id="102", reply="留言已收悉"), row(source_id="103", reply="", reply_at="")]
    first, out = run_import(tmp_path, rows)
    before = tree_hashes(out)
    second, out = run_import(tmp_path, rows)
    assert tree_hashes(out) == before
    assert (first.created, second.created, second.updated, second.unchanged) == (3, 0, 0, 3)


def test_changed_row_updates_its_file(tmp_path):
    run_import(tmp_path, [row(), row(source_id="102")])
    report, out = run_import(tmp_path, [row(), row(source_id="102", body="改过的正文")])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)


def test_other_letter_files_are_kept_and_reported(tmp_path):
    run_import(tmp_path, [row(), row(source_id="102")])
    report, out = run_import(tmp_path, [row()])
    assert report.other_files == ["letters/2019/04/TT-2019-00102.yaml"]
    assert (out / "letters/2019/04/TT-2019-00102.yaml").is_file()


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_detected(tmp_path, delimiter):
    report, out = run_import(tmp_path, [row(body="正文, 含逗号; 和分号")], delimiter=delimiter)
    assert letters_in(out)["TT-2019-00101"]["body"] == "正文, 含逗号; 和分号"


def test_detect_delimiter_defaults_to_comma():
    assert detect_delimiter("单列\n1\n") == ","


def test_csv_with_byte_order_mark(tmp_path):
    report, out = run_import(tmp_path, [row()], encoding="utf-8-sig")
    assert len(report.written) == 1


def test_csv_in_other_encoding_needs_mapping(tmp_path):
    with pytest.raises(WenzhengError) as error:
        run_import(tmp_path, [row()], encoding="gb18030")
    assert "cannot be decoded as utf-8-sig" in str(error.value)
    report, out = run_import(tmp_path, [row()], {"source": {"encoding": "gb18030"}}, encoding="gb18030")
    assert letters_in(out)["TT-2019-00101"]["title"] == "路灯不亮"


def test_header_row_from_mapping(tmp_path):
    source = tmp_path / "export.csv"
    source.write_text("导出于 2020-01-01\n" + ",".join(HEADER) + "\n" + ",".join(row()) + "\n", encoding="utf-8")
    report = import_file(source, load_mapping(write_mapping(tmp_path, source={"header_row": 2})),
                         tmp_path / "out")
    assert [item["row"] for item in report.written] == [3]


def test_missing_column_is_an_error(tmp_path):
    with pytest.raises(WenzhengError) as error:
        run_import(tmp_path, [row()[:6]], header=HEADER[:6])
    assert str(error.value) == (
        f"{tmp_path / 'export.csv'}: the column '答复时间' (columns.reply_at in the mapping) is not in header "
        "row 1; headers found: 编号, 用户, 主题, 时间, 详情, 答复. Correct the mapping or source.header_row")


def test_mapping_problems_are_located(tmp_path):
    assign = {"rules": [{"pattern": "教育(局", "department": "edu"}, {"pattern": "x", "department": "water"}],
              "default": "office"}
    with pytest.raises(DataError) as error:
        load_mapping(write_mapping(tmp_path, assign=assign, letter={"chanel": "forum"}))
    text = str(error.value)
    assert text.splitlines()[0] == "1 error(s) in the mapping file:"
    assert "letter.chanel: is not a known field" in text
    with pytest.raises(DataError) as error:
        load_mapping(write_mapping(tmp_path, assign=assign))
    lines = str(error.value).splitlines()
    assert lines[0] == "2 error(s) in the mapping file:"
    assert re.fullmatch(r".*mapping\.yaml:\d+:\d+: assign\.rules\[0\]\.pattern: is not a valid regular "
                        r"expression \(missing \), unterminated subpattern at position 2\) .*", lines[1])
    assert re.fullmatch(r".*mapping\.yaml:\d+:\d+: assign\.rules\[1\]\.department: names an undeclared "
                        r"department \(expected an id listed under departments, found 'water'\).*", lines[2])


def test_shipped_mapping_is_valid():
    mapping = load_mapping(resolve_mapping("teddy2020c"))
    assert mapping.columns["source_id"] == "留言编号"
    assert mapping.default_department in mapping.department_ids
    assert {rule.department for rule in mapping.rules} <= set(mapping.department_ids)


def test_shipped_mapping_matches_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    document = load_file(resolve_mapping("teddy2020c"))
    jsonschema.Draft202012Validator(mapping_schema()).validate(document)


def test_command_writes_report(tmp_path):
    source = write_csv(tmp_path, [row(), row(source_id="102", received="坏")])
    mapping = write_mapping(tmp_path)
    out = tmp_path / "out"
    report_file = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["import", str(source), "--mapping", str(mapping), "--out", str(out),
                                      "--report", str(report_file)])
    assert result.exit_code == 0, result.output
    assert "written: 1 (created 1, updated 0, unchanged 0)" in result.output
    assert "rejected: 1" in result.output
    data = json.loads(report_file.read_text(encoding="utf-8"))
    assert data["counts"]["written"] == 1
    assert data["rejected"][0]["row"] == 3


def test_command_strict_fails_on_rejected_rows(tmp_path):
    source = write_csv(tmp_path, [row(received="坏")])
    result = CliRunner().invoke(cli, ["import", str(source), "--mapping", str(write_mapping(tmp_path)),
                                      "--out", str(tmp_path / "out"), "--strict"])
    assert isinstance(result.exception, WenzhengError)
    assert str(result.exception) == "1 row(s) rejected; see the list above"


def test_command_unknown_mapping_name(tmp_path):
    source = write_csv(tmp_path, [row()])
    result = CliRunner().invoke(cli, ["import", str(source), "--mapping", "nosuchmapping", "--out",
                                      str(tmp_path / "out")])
    assert str(result.exception).startswith("mapping not found: nosuchmapping; give the path of a mapping file")


def test_imported_folder_loads_as_dataset(tmp_path):
    from generator.dataset import load_dataset

    rows = [row(), row(source_id="102", reply="留言已收悉"), row(source_id="103", reply="", reply_at=""),
            row(source_id="104", body="电话13812345678")]
    report, out = run_import(tmp_path, rows)
    dataset = load_dataset(out, now=dt.datetime(2019, 6, 1, tzinfo=ZONE))
    assert [letter.id for letter in dataset.letters] == ["TT-2019-00101", "TT-2019-00102", "TT-2019-00103",
                                                         "TT-2019-00104"]
    assert dataset.errors == []


# The real platform export


def read_export(path: Path) -> list[tuple]:
    """Read the export with the test's own code: rows below the header, cells as stored."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    finally:
        workbook.close()


def parse_cell_time(value, bare_time: dt.time) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=ZONE)
    text = value.strip()
    for form in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, form).replace(tzinfo=ZONE)
        except ValueError:
            pass
    day = dt.datetime.strptime(text, "%Y/%m/%d").date()
    return dt.datetime.combine(day, bare_time, ZONE)


def light_for_days(days: int, early: str) -> str:
    """Return ``early`` within 5 working days, yellow within 15 and red after that."""
    if days <= 5:
        return early
    if days <= 15:
        return "yellow"
    return "red"


def expected_figures(rows: list[tuple]) -> dict:
    """Derive the import's figures from the spreadsheet, independently of the importer."""
    from generator.policy import Policy
    from generator.workdays import WorkCalendar

    policy = Policy(load_file(Path(__file__).resolve().parents[1] / "data" / "policy.yaml"))
    calendar = WorkCalendar([], policy.raw["calendar"]["fixed_holidays"])
    letters = []
    for source_id, _, _, received, _, reply, reply_at in rows:
        received_at = parse_cell_time(received, dt.time(0, 0))
        replied_at = parse_cell_time(reply_at, dt.time(17, 0))
        acknowledgement = re.sub(r"\s", "", reply) in {"网友：您好！留言已收悉", "已收悉"}
        letters.append((received_at, replied_at, acknowledgement))
    as_of = max(max(received, replied) for received, replied, _ in letters) + dt.timedelta(minutes=1)
    figures = {"rows": len(rows), "within_5": 0, "within_15": 0, "interim": 0,
               "lights": {"green": 0, "yellow": 0, "red": 0, "none": 0}}
    for received, replied, acknowledgement in letters:
        reply_days = calendar.elapsed(received.date(), replied.date())
        figures["within_5"] += reply_days <= 5
        figures["within_15"] += reply_days <= 15
        if acknowledgement:
            # An acknowledged letter stays open: no light within 5 working days, yellow to 15, then red.
            figures["interim"] += 1
            light = light_for_days(calendar.elapsed(received.date(), as_of.date()), "none")
        else:
            light = light_for_days(reply_days, "green")
        figures["lights"][light] += 1
    figures["as_of"] = as_of
    figures["source_ids"] = len({row[0] for row in rows})
    return figures


def imported_figures(out: Path, as_of: dt.datetime) -> dict:
    from generator.dataset import load_dataset
    from generator.lights import evaluate

    dataset = load_dataset(out, now=as_of)
    figures = {"within_5": 0, "within_15": 0, "lights": {"green": 0, "yellow": 0, "red": 0, "none": 0}}
    for letter in dataset.letters:
        status = evaluate(letter, dataset.calendar, dataset.policy, as_of)
        figures["within_5"] += status.reply_days is not None and status.reply_days <= 5
        figures["within_15"] += status.reply_days is not None and status.reply_days <= 15
        figures["lights"][status.light] += 1
    figures["letters"] = len(dataset.letters)
    figures["errors"] = len(dataset.errors)
    return figures


@pytest.fixture(scope="module", params=["letters_with_replies_sample120.xlsx", "letters_with_replies.xlsx"])
def real_import(request, tmp_path_factory):
    source = shared_data(f"teddy2020c/{request.param}")
    out = tmp_path_factory.mktemp("import") / "data"
    mapping = load_mapping(resolve_mapping("teddy2020c"))
    report = import_file(source, mapping, out)
    return source, mapping, out, report


@pytest.mark.realdata
def test_real_export_counts(real_import):
    source, mapping, out, report = real_import
    expected = expected_figures(read_export(source))
    # Every source id is unique and every row is complete, so every row is written.
    assert expected["source_ids"] == expected["rows"]
    assert report.rows == expected["rows"]
    assert len(report.written) == expected["rows"]
    assert report.skipped == []
    assert report.rejected == []
    assert report.interim == expected["interim"]
    assert len(list((out / "letters").rglob("*.yaml"))) == expected["rows"]


@pytest.mark.realdata
def test_real_export_reply_times_and_lights(real_import):
    source, mapping, out, report = real_import
    expected = expected_figures(read_export(source))
    imported = imported_figures(out, expected["as_of"])
    assert imported["errors"] == 0
    assert imported["letters"] == expected["rows"]
    assert imported["within_5"] == expected["within_5"]
    assert imported["within_15"] == expected["within_15"]
    assert imported["lights"] == expected["lights"]


@pytest.mark.realdata
def test_real_export_reimport_is_byte_identical(real_import):
    source, mapping, out, report = real_import
    before = tree_hashes(out)
    second = import_file(source, mapping, out)
    assert tree_hashes(out) == before
    assert second.unchanged == len(report.written)
    assert (second.created, second.updated) == (0, 0)


@pytest.mark.realdata
def test_real_export_author_ids_not_written(real_import):
    source, mapping, out, report = real_import
    users = [row[1] for row in read_export(source)]
    leaks = []
    for item in report.written:
        text = (out / item["path"]).read_text(encoding="utf-8")
        if users[item["row"] - 2] in text:
            leaks.append(item["row"])
    assert leaks == []
    authors = {load_file(out / item["path"])["author"] for item in report.written}
    assert authors.isdisjoint(users)
    assert all(re.fullmatch(r"网友[0-9a-f]{8}", author) for author in authors)
    assert len(authors) == len(set(users))


@pytest.mark.realdata
def test_real_export_as_csv_gives_same_letters(tmp_path):
    source = shared_data("teddy2020c/letters_with_replies_sample120.xlsx")
    workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    csv_file = tmp_path / "export.csv"
    with csv_file.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        for cells in workbook.worksheets[0].iter_rows(values_only=True):
            writer.writerow(["" if value is None else str(value) for value in cells])
    workbook.close()
    mapping = load_mapping(resolve_mapping("teddy2020c"))
    import_file(source, mapping, tmp_path / "from_xlsx")
    import_file(csv_file, mapping, tmp_path / "from_csv")
    assert tree_hashes(tmp_path / "from_csv") == tree_hashes(tmp_path / "from_xlsx")


def page_text(path: Path) -> str:
    """Return the visible text of a built page's article, with whitespace runs collapsed."""
    import html

    page = path.read_text(encoding="utf-8")
    article = page[page.find("<article"):page.find("</article>")]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", article).split()))


@pytest.mark.realdata
# pygal's import hook (PluginImportFixer) lacks find_spec, which Python 3.11 warns about on MkDocs' imports.
@pytest.mark.filterwarnings("ignore:PluginImportFixer:ImportWarning")
def test_site_built_from_imported_export(real_import, tmp_path):
    from generator.site.build import build_site

    source, mapping, data, report = real_import
    expected = expected_figures(read_export(source))
    result = build_site(data, tmp_path / "site", as_of=expected["as_of"], docs_dir=tmp_path / "docs",
                        search_index=False)
    assert (result.letters, result.published) == (expected["rows"], expected["rows"])
    assert result.departments == 18

    lights = expected["lights"]
    letters_page = page_text(tmp_path / "site" / "letters" / "index.html")
    assert (f"按灯色 红灯 共 {lights['red']} 件 黄灯 共 {lights['yellow']} 件 绿灯 共 {lights['green']} 件 "
            f"办理中（未超时） 共 {lights['none']} 件") in letters_page
    assert f"意见 共 {expected['rows']} 件" in letters_page

    home = page_text(tmp_path / "site" / "index.html")
    assert f"数据截至 {expected['as_of']:%Y-%m-%d %H:%M}（UTC+8）" in home
    assert f"红灯信件 显示 10 件，共 {lights['red']} 件" in home

    open_data = json.loads((tmp_path / "site" / "data" / "letters.json").read_text(encoding="utf-8"))
    assert len(open_data["letters"]) == expected["rows"]
