"""Tests for the personal-data detector, letter scanning, validation problems and `wenzheng redact`."""

from __future__ import annotations

import collections
import difflib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.model import Department, Letter
from generator.privacy import (
    find_personal_data, id_check_char, is_valid_id_number, luhn_valid, mask_letter_for_publication, mask_text,
    privacy_problems, redact_text, scan_explanation, scan_letter,
)
from generator.validate import check_text
from generator.yamlio import loads
from tests.conftest import shared_data

FIXTURES = Path(__file__).parent / "fixtures" / "privacy"


def kinds_and_masks(text, **allowances):
    return [(finding.kind, finding.masked) for finding in find_personal_data(text, **allowances)]


# --- detector tables ---------------------------------------------------------

FLAGGED = [
    # mobile numbers in every common form
    ("我的电话13812345678，", "mobile", "138****5678"),
    ("电话 138 1234 5678", "mobile", "138 **** 5678"),
    ("手机138-1234-5678", "mobile", "138-****-5678"),
    ("+86 13812345678", "mobile", "+86 138****5678"),
    ("+86-138-1234-5678", "mobile", "+86-138-****-5678"),
    ("0086 13812345678", "mobile", "0086 138****5678"),
    ("(+86)13812345678", "mobile", "(+86)138****5678"),
    ("+8613812345678", "mobile", "+86138****5678"),
    ("１３８１２３４５６７８", "mobile", "１３８****５６７８"),
    ("１３８－１２３４－５６７８", "mobile", "１３８－****－５６７８"),
    ("＋８６ １９９１２３４５６７８", "mobile", "＋８６ １９９****５６７８"),
    ("Tel:13812345678abc", "mobile", "138****5678"),
    # landlines with an area code, or after a word that introduces a number
    ("0660-6619999", "landline", "0660-***9999"),
    ("(0660)6619999", "landline", "(0660)***9999"),
    ("（０６６０）６６１９９９９", "landline", "（０６６０）***９９９９"),
    ("010-12345678", "landline", "010-****5678"),
    ("0731-8888 8888", "landline", "0731-**** 8888"),
    ("电话：6619999", "landline", "***9999"),
    ("联系电话:066012345678", "landline", "0660****5678"),
    # resident ID numbers with a valid check digit, and the 15-digit form
    ("身份证11010519491231002X", "id_number", "1101**********002X"),
    ("身份证11010519491231002x", "id_number", "1101**********002x"),
    ("440304199001011233", "id_number", "4403**********1233"),
    ("１１０１０５１９４９１２３１００２Ｘ", "id_number", "１１０１**********００２Ｘ"),
    ("440304 19900101 1233", "id_number", "4403** ******** 1233"),
    ("老身份证110105491231002", "id_number", "1101********002"),
    # bank cards passing the Luhn check
    ("卡号6222021234567890128", "bank_card", "6222***********0128"),
    ("4111 1111 1111 1111", "bank_card", "4111 **** **** 1111"),
    ("4111-1111-1111-1111", "bank_card", "4111-****-****-1111"),
    # e-mail addresses
    ("邮箱：wang.xm@example.com。", "email", "w***@example.com"),
    ("ZhangSan_88@mail.example.cn", "email", "Z***@mail.example.cn"),
    ("ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "email", "ｗ***＠ｅｘａｍｐｌｅ．ｃｏｍ"),
    # phrases that introduce a name
    ("我叫王小明，今年35岁", "name_phrase", "王**"),
    ("我叫黄盼是A6区人", "name_phrase", "黄*"),
    ("本人姓名：欧阳娜娜。", "name_phrase", "欧阳**"),
    ("姓名：张三", "name_phrase", "张*"),
    ("联系人：刘强，电话另告", "name_phrase", "刘*"),
    # phrases that introduce a home address
    ("家住东城镇人民路18号3栋502室，", "address_phrase", "东城*************"),
    ("住址：示范县东城镇幸福村3组", "address_phrase", "示范*********"),
    ("家庭住址:人民路5号", "address_phrase", "人民***"),
    ("家庭地址：示范县人民路5号", "address_phrase", "示范******"),
    ("我住在东城镇幸福小区", "address_phrase", "东城*****"),
]

NOT_FLAGGED = [
    ("HF-2026-00123", "a letter id"),
    ("案件编号110105194912310021", "an ID-shaped case number failing the check digit"),
    ("440304199001011231", "an ID number with a wrong check digit"),
    ("110105491331002", "a 15-digit number without a valid date"),
    ("991234199001011233", "an ID-shaped number with an unknown province code"),
    ("1381234567890", "a 13-digit run that starts like a mobile number"),
    ("21381234567", "a mobile number inside a longer digit run"),
    ("订单号 2138123456780", "a mobile number inside a longer run"),
    ("6222021234567890127", "a card-shaped number failing the Luhn check"),
    ("12345678901234567890123", "a digit run longer than a card number"),
    ("2026-03-02 09:15", "a date and time"),
    ("2026年3月2日17:00前", "a date and a deadline"),
    ("金额13812345678.50元", "a decimal amount"),
    ("13812345678元", "an amount in yuan"),
    ("共计0000-00000000元", "a placeholder amount"),
    ("坐标 12.13812345678", "the fraction of a decimal number"),
    ("拨打12345市民热线", "a five-digit service number"),
    ("0731-12315", "a service number after an area code"),
    ("第2026012345号文件", "a document number"),
    ("user@localhost", "an address without a domain"),
    ("我叫了一辆出租车", "我叫 followed by a verb"),
    ("公布报名儿童的姓名及所属房号", "姓名 without a colon"),
    ("国家住建部要求和我市实际情况", "住建部 after 国家"),
    ("我住在这里很多年", "住在 without a place"),
    ("根据《信访条例》第十四条", "a regulation reference"),
]


@pytest.mark.parametrize(("text", "kind", "masked"), FLAGGED, ids=[case[0] for case in FLAGGED])
def test_detector_flags(text, kind, masked):
    assert kinds_and_masks(text) == [(kind, masked)]


@pytest.mark.parametrize(("text", "reason"), NOT_FLAGGED, ids=[case[1] for case in NOT_FLAGGED])
def test_detector_ignores(text, reason):
    assert kinds_and_masks(text) == []


def test_detector_span_covers_value():
    text = "请拨打 +86 138-1234-5678 找我"
    [finding] = find_personal_data(text)
    assert text[finding.start:finding.end] == "+86 138-1234-5678"


def test_detector_finds_several_in_order():
    text = "我叫王小明，电话13812345678，邮箱a@b.cn，家住东城镇人民路18号。"
    assert [kind for kind, _ in kinds_and_masks(text)] == ["name_phrase", "mobile", "email", "address_phrase"]


def test_detector_prefers_id_over_card():
    # This ID number also passes the Luhn check; it is reported once, as an ID.
    digits = "44030419900101123"
    number = digits + id_check_char(digits)
    assert is_valid_id_number(number)
    assert [kind for kind, _ in kinds_and_masks(number)] == ["id_number"]


@pytest.mark.parametrize("allowed", ["0660-6610100", "06606610100", "6610100", "(0660) 6610100"])
def test_allowed_office_phone_not_flagged(allowed):
    assert kinds_and_masks("请致电0660-6610100咨询", allowed_phones=[allowed]) == []


def test_allowed_phone_other_number_flagged():
    assert kinds_and_masks("请致电0660-6619999", allowed_phones=["0660-6610100"]) == [("landline", "0660-***9999")]


def test_allowed_mobile_with_country_code():
    assert kinds_and_masks("热线 +86 138 1234 5678", allowed_phones=["13812345678"]) == []


def test_allowed_staff_name_not_flagged():
    assert kinds_and_masks("联系人：刘晓敏", allowed_names=["刘晓敏"]) == []
    assert kinds_and_masks("联系人：刘强", allowed_names=["刘晓敏"]) == [("name_phrase", "刘*")]


def test_mask_text_replaces_each_finding():
    text = "我叫王小明，电话13812345678。"
    assert mask_text(text, find_personal_data(text)) == "我叫王**，电话138****5678。"


def test_masked_value_never_contains_whole_value():
    for text, _, masked in FLAGGED:
        [finding] = find_personal_data(text)
        assert text[finding.start:finding.end] not in masked


def test_check_digit_and_luhn_helpers():
    assert id_check_char("11010519491231002") == "X"
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_detector_speed():
    # About 1,000 characters per letter, as in real letters. 2,000 of them took about 0.9 s
    # on the shared development machine; the bound leaves room for a busy CI machine but
    # still catches a pattern that backtracks badly.
    text = ("东城镇人民路的路灯已经坏了三个月，晚上出行很不方便，希望尽快维修。" * 30
            + "2026年3月2日 HF-2026-00123 金额1234.50元。")
    started = time.perf_counter()
    for _ in range(2000):
        find_personal_data(text)
    assert time.perf_counter() - started < 10


# --- letters and explanations ------------------------------------------------

def checked_fixture(name, kind="letter"):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    checked, problems = check_text(kind, text, f"data/{name}")
    assert problems == []
    return checked, text


@pytest.fixture(scope="module")
def departments():
    checked, _ = checked_fixture("departments.yaml", "departments")
    return {item["id"]: Department.from_checked(item) for item in checked["departments"]}


def test_scan_letter_reports_fields(departments):
    checked, _ = checked_fixture("letter_with_personal_data.yaml")
    found = [(item.field, item.finding.kind) for item in scan_letter(checked, departments)]
    assert found == [
        ("title", "mobile"),
        ("body", "name_phrase"),
        ("body", "address_phrase"),
        ("body", "mobile"),
        ("body", "email"),
        ("body", "id_number"),
        ("attachments[1]", "landline"),
    ]


def test_scan_letter_allows_own_department_phone(departments):
    # The reply gives the town's listed number and names its listed assistant.
    checked, _ = checked_fixture("letter_with_personal_data.yaml")
    assert [item for item in scan_letter(checked, departments) if item.path[0] == "replies"] == []


def test_scan_letter_other_department_phone_flagged(departments):
    checked, _ = checked_fixture("letter_with_personal_data.yaml")
    checked["replies"][0]["department"] = "police"
    found = [(item.field, item.finding.masked) for item in scan_letter(checked, departments)
             if item.path[0] == "replies"]
    assert found == [("replies[0].text", "0660-***0100"), ("replies[0].text", "刘**")]


def test_scan_letter_covers_every_published_field():
    letter = {
        "title": "t 13812345670", "author": "a 13812345671", "body": "b 13812345672",
        "attachments": ["13812345673.jpg"],
        "replies": [{"department": "x", "text": "13812345674"}],
        "extension": {"department": "x", "reason": "13812345675"},
        "redo": [{"reason": "13812345676"}],
        "supervision": [{"note": "13812345677"}, {"at": "2026-01-01"}],
    }
    fields = [item.field for item in scan_letter(letter, {})]
    assert fields == ["title", "author", "body", "attachments[0]", "replies[0].text", "extension.reason",
                      "redo[0].reason", "supervision[0].note"]


def test_scan_letter_model_object(departments):
    checked, _ = checked_fixture("letter_with_personal_data.yaml")
    letter = Letter.from_checked(checked, "data/letter_with_personal_data.yaml")
    assert len(scan_letter(letter, departments)) == 7


def test_scan_explanation_allows_department_phone(departments):
    explanation = {"department": "police", "period": "2026-Q1", "text": "咨询电话（0660）6620110，手机13812345678",
                   "measures": ["专人负责，联系人：黄建国"]}
    found = [(item.field, item.finding.masked) for item in scan_explanation(explanation, departments)]
    assert found == [("text", "138****5678")]


def test_privacy_problems_wording(departments):
    checked, text = checked_fixture("letter_with_personal_data.yaml")
    file = "data/letters/2026/03/HF-2026-00321.yaml"
    problems = privacy_problems(checked, departments, file, text)
    assert [problem.format() for problem in problems[:2]] == [
        f"{file}:8:17: title: published text contains a mobile phone number "
        f"(expected no personal data, found 138****5678); "
        f"mask it with `wenzheng redact {file}` and review the change",
        f"{file}:11:5: body: published text contains a personal name "
        f"(expected no personal data, found 王**); "
        f"mask it with `wenzheng redact {file}` and review the change",
    ]


def test_privacy_problems_locate_each_line(departments):
    checked, text = checked_fixture("letter_with_personal_data.yaml")
    problems = privacy_problems(checked, departments, "f.yaml", text)
    assert [(problem.line, problem.field, problem.code, problem.severity) for problem in problems] == [
        (8, "title", "personal-data", "error"),
        (11, "body", "personal-data", "error"),
        (11, "body", "personal-data", "error"),
        (11, "body", "personal-data", "error"),
        (13, "body", "personal-data", "error"),
        (13, "body", "personal-data", "error"),
        (16, "attachments[1]", "personal-data", "error"),
    ]
    lines = text.splitlines()
    assert lines[12][problems[4].column - 1:].startswith("wang.xm@")


def test_privacy_problems_never_show_whole_value(departments):
    checked, text = checked_fixture("letter_with_personal_data.yaml")
    formatted = "\n".join(problem.format() for problem in privacy_problems(checked, departments, "f.yaml", text))
    for value in ("13812345678", "1234", "王小明", "wang.xm", "11010519491231002X", "6619999", "人民路18号"):
        assert value not in formatted


def test_privacy_problems_clean_letter(departments):
    checked, text = checked_fixture("letter_without_personal_data.yaml")
    assert privacy_problems(checked, departments, "f.yaml", text) == []


def test_mask_letter_for_publication_model(departments):
    checked, _ = checked_fixture("letter_with_personal_data.yaml")
    letter = Letter.from_checked(checked)
    masked, count = mask_letter_for_publication(letter, departments)
    assert count == 7
    assert masked.title == "路灯坏了，请联系138****5678"
    assert "王小明" not in masked.body
    assert masked.attachments == ["照片1.jpg", "note 0660-***9999.txt"]
    assert masked.replies[0].text == letter.replies[0].text
    assert letter.title == "路灯坏了，请联系13812345678"


def test_mask_letter_for_publication_clean(departments):
    checked, _ = checked_fixture("letter_without_personal_data.yaml")
    masked, count = mask_letter_for_publication(checked, departments)
    assert count == 0
    assert masked == checked


# --- redact ------------------------------------------------------------------

def changed_lines(old: str, new: str) -> list[str]:
    return [line for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_redact_text_changes_only_masked_text(departments):
    text = (FIXTURES / "letter_with_personal_data.yaml").read_text(encoding="utf-8")
    new_text, redactions = redact_text(text, list(departments.values()))
    assert changed_lines(text, new_text) == [
        '-title: "路灯坏了，请联系13812345678"',
        '+title: "路灯坏了，请联系138****5678"',
        "-  我叫王小明，家住东城镇人民路18号3栋502室，电话 138-1234-5678。",
        "+  我叫王**，家住东城*************，电话 138-****-5678。",
        "-  邮箱：wang.xm@example.com；身份证号 11010519491231002X。",
        "+  邮箱：w***@example.com；身份证号 1101**********002X。",
        "-- 'note 0660-6619999.txt'",
        "+- 'note 0660-***9999.txt'",
    ]
    assert [(item.line, item.field, item.masked) for item in redactions][:2] == [
        (8, "title", "138****5678"), (11, "body", "王**"),
    ]


def test_redact_text_result_passes_detector(departments):
    text = (FIXTURES / "letter_with_personal_data.yaml").read_text(encoding="utf-8")
    new_text, _ = redact_text(text, departments)
    checked, problems = check_text("letter", new_text, "f.yaml")
    assert problems == []
    assert scan_letter(checked, departments) == []


def test_redact_text_clean_file_unchanged(departments):
    text = (FIXTURES / "letter_without_personal_data.yaml").read_text(encoding="utf-8")
    assert redact_text(text, departments) == (text, [])


def test_redact_text_value_folded_over_lines():
    # The number is split by a line fold, so it is not in the source verbatim.
    text = "# keep me\nid: HF-2026-00001\ntitle: 'x'  # and me\nbody: 请联系 138 1234\n  5678 谢谢\n"
    new_text, redactions = redact_text(text)
    assert [item.masked for item in redactions] == ["138 **** 5678"]
    assert loads(new_text)["body"] == "请联系 138 **** 5678 谢谢"
    assert "# keep me" in new_text
    assert "title: 'x'  # and me" in new_text


def test_redact_text_explanation(departments):
    text = ("department: police\nperiod: 2026-Q1\npublished_at: 2026-04-01 09:00\n"
            "text: |\n  咨询电话（0660）6620110。\n  经办人手机13812345678。\nmeasures:\n- 联系人：张伟\n")
    new_text, redactions = redact_text(text, departments)
    assert [(item.line, item.field) for item in redactions] == [(6, "text"), (8, "measures[0]")]
    assert "（0660）6620110" in new_text
    assert "138****5678" in new_text


def test_redact_command_masks_in_place(tmp_path):
    data = tmp_path / "data"
    letter = data / "letters" / "2026" / "03" / "HF-2026-00321.yaml"
    letter.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "letter_with_personal_data.yaml", letter)
    shutil.copy(FIXTURES / "departments.yaml", data / "departments.yaml")
    result = CliRunner().invoke(cli, ["redact", str(data / "letters")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{letter}:8: title: masked a mobile phone number (138****5678)"
    assert len(lines) == 7
    assert "13812345678" not in letter.read_text(encoding="utf-8")
    assert "# trailing comment" in letter.read_text(encoding="utf-8")


def test_redact_check_exits_one_and_keeps_file(tmp_path):
    letter = tmp_path / "HF-2026-00321.yaml"
    shutil.copy(FIXTURES / "letter_with_personal_data.yaml", letter)
    before = letter.read_bytes()
    result = CliRunner().invoke(cli, ["redact", "--check", "--departments", str(FIXTURES / "departments.yaml"),
                                      str(letter)])
    assert result.exit_code == 1
    assert f"{letter}:16: attachments[1]: contains a telephone number (0660-***9999)" in result.stdout
    assert letter.read_bytes() == before


def test_redact_check_clean_exits_zero(tmp_path):
    letter = tmp_path / "HF-2026-00322.yaml"
    shutil.copy(FIXTURES / "letter_without_personal_data.yaml", letter)
    result = CliRunner().invoke(cli, ["redact", "--check", "--departments", str(FIXTURES / "departments.yaml"),
                                      str(letter)])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_redact_invalid_yaml_reports_location(tmp_path):
    letter = tmp_path / "broken.yaml"
    letter.write_text("title: x\ntitle: y\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "generator", "redact", str(letter)],
                            capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert result.returncode == 1
    assert f"Error: {letter}:2:1: the key 'title' appears twice in one mapping" in result.stderr


# --- real letters ------------------------------------------------------------

@pytest.mark.realdata
def test_detector_on_real_letters():
    openpyxl = pytest.importorskip("openpyxl")
    path = shared_data("teddy2020c/letters_with_replies.xlsx")
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = workbook.active.iter_rows(values_only=True)
    header = next(rows)
    columns = {name: header.index(name) for name in ("留言主题", "留言详情", "答复意见")}
    counts = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    letters = texts_with_phone = 0
    for row in rows:
        letters += 1
        for name, index in columns.items():
            text = str(row[index] or "")
            findings = find_personal_data(text)
            if any(finding.kind in ("mobile", "landline") for finding in findings):
                texts_with_phone += 1
            for finding in findings:
                counts[(name, finding.kind)] += 1
                if len(examples[finding.kind]) < 3:
                    examples[finding.kind].append(finding.masked)
    workbook.close()

    print(f"\npersonal data in {letters} real letters (column, kind: findings):")
    for (name, kind), count in sorted(counts.items()):
        print(f"  {name} {kind}: {count}")
    print(f"  texts with a telephone number: {texts_with_phone}")
    for kind, masked in sorted(examples.items()):
        print(f"  e.g. {kind}: {', '.join(masked)}")
    assert counts[("答复意见", "landline")] + counts[("答复意见", "mobile")] >= 50
    for masked in (value for values in examples.values() for value in values):
        assert "*" in masked


# --- validate, then redact, then validate again ------------------------------

def test_validate_then_redact_round_trip(tmp_path):
    repository = Path(__file__).parents[1]
    data = tmp_path / "data"
    letter = data / "letters" / "2026" / "03" / "HF-2026-00321.yaml"
    letter.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "departments.yaml", data / "departments.yaml")
    shutil.copy(repository / "data" / "policy.yaml", data / "policy.yaml")
    shutil.copytree(repository / "data" / "calendar", data / "calendar")
    shutil.copy(FIXTURES / "letter_with_personal_data.yaml", letter)
    runner = CliRunner()

    before = runner.invoke(cli, ["validate", "--data", str(data)])
    assert before.exit_code == 1
    personal = [line for line in before.stdout.splitlines() if "published text contains" in line]
    assert len(personal) == 7
    assert personal[0].endswith(":8:17: title: published text contains a mobile phone number "
                                "(expected no personal data, found 138****5678); "
                                f"mask it with `wenzheng redact {personal[0].split(':')[0]}` and review the change")

    assert runner.invoke(cli, ["redact", str(letter)]).exit_code == 0
    after = runner.invoke(cli, ["validate", "--data", str(data)])
    assert after.exit_code == 0, after.stdout
    assert "published text contains" not in after.stdout
