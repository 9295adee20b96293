"""Find and mask personal data in the text fields that the portal publishes.

The detector looks for mobile and landline telephone numbers, mainland
resident ID numbers, bank card numbers, e-mail addresses, and the personal
name or home address that follows phrases such as 我叫, 联系人： or 家住.
Numbers are matched on a copy of the text in which full-width characters
(０-９, ＋, －, （）, ＠) and dash variants are replaced one for one by their
ASCII forms. Other spaces and invisible characters (zero-width space and
joiners, soft hyphen, word joiner) become a space in the copy. Each
replacement is one character for one, so offsets into the copy are offsets
into the original.

A number counts only when it is not part of a longer digit run or of a
decimal amount, so 21381234567 contains no mobile number. ID numbers must carry a valid
date, province code and ISO 7064 MOD 11-2 check digit; bank card numbers must
pass the Luhn check. Office telephone numbers that a department lists in
``departments.yaml`` are allowed in that department's replies.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import logging
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping, NamedTuple

from generator.errors import Problem, WenzhengError
from generator.fields import format_path
from generator.yamlio import YamlProblem, load_file, loads, locate

logger = logging.getLogger(__name__)

KINDS = ("mobile", "landline", "id_number", "bank_card", "email", "name_phrase", "address_phrase")

KIND_TEXT = {
    "mobile": "a mobile phone number",
    "landline": "a telephone number",
    "id_number": "a resident ID number",
    "bank_card": "a bank card number",
    "email": "an e-mail address",
    "name_phrase": "a personal name",
    "address_phrase": "a home address",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: its kind, its span in the scanned text and its masked form.

    The unmasked value is deliberately not stored, so a Finding can be logged
    or printed without leaking it. Slice the scanned text with ``start`` and
    ``end`` when the value itself is needed.
    """

    kind: str
    start: int
    end: int
    masked: str


class LocatedFinding(NamedTuple):
    """A finding in one field of a data file; ``path`` is the key path, such as ('replies', 0, 'text')."""

    path: tuple
    finding: Finding

    @property
    def field(self) -> str:
        return format_path(self.path)


# --- normalisation -----------------------------------------------------------

def _normalisation_table() -> dict[int, str]:
    table = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
    table.update({0x3000: " ", 0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " "})
    # A number split by an invisible character shows whole on the site. Each such character
    # counts as one separator, like the space it resembles.
    for space in "\u00ad\u180e\u2000\u2001\u2004\u2005\u2006\u2007\u2008\u200a\u200b\u200c\u200d" \
                 "\u202f\u205f\u2060\ufeff":
        table[ord(space)] = " "
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63":
        table[ord(dash)] = "-"
    return table


NORMALISE = _normalisation_table()


def normalise(text: str) -> str:
    """Replace full-width ASCII, spaces, invisible characters and dashes one for one, keeping the length."""
    return text.translate(NORMALISE)


# --- patterns ----------------------------------------------------------------

# A number may not continue a digit run or the fraction of a decimal amount.
_BEFORE = r"(?<![0-9])(?<![0-9]\.)"
_AFTER = r"(?![0-9])(?!\. ?[0-9])(?! ?[元万亿])"
_SEP = r"[ -]?"

MOBILE = re.compile(
    _BEFORE + r"(?<!\+)"
    r"(?P<cc>(?:\+|00)?86" + _SEP + r"|\(\+?86\)" + _SEP + r")?"
    r"(?P<number>1[3-9][0-9]" + _SEP + r"[0-9]{4}" + _SEP + r"[0-9]{4})"
    + _AFTER
)

# An area code (0 plus two or three digits) separated from a local number of
# seven or eight digits. The area code is not checked against the real list,
# because published data often replaces numbers with placeholders such as
# 0000-00000000 that still stand for a real number.
LANDLINE = re.compile(
    _BEFORE
    + r"(?:\(0[0-9]{2,3}\)" + _SEP + r"|0[0-9]{2,3}[ -])"
    r"[0-9]{3,4}" + _SEP + r"[0-9]{4}"
    + _AFTER
)

# Without a separator or area code a number is taken as a telephone number
# only right after a word that introduces one.
PHONE_WORDS = r"(?:电话|手机|座机|热线|传真|联系方式|联系号码|致电|拨打|[Tt][Ee][Ll]|[Pp]hone)"
KEYWORD_PHONE = re.compile(
    PHONE_WORDS + r"[^0-9\n]{0,6}?" + _BEFORE
    + r"(?P<number>0[0-9]{9,11}|[2-9][0-9]{6,7})" + _AFTER
)

ID_18 = re.compile(
    _BEFORE
    + r"(?P<region>[1-9][0-9]{5}) ?(?P<date>(?:18|19|20)[0-9]{6}) ?[0-9]{3}[0-9Xx]"
    r"(?![0-9Xx])(?!\.[0-9])"
)
ID_15 = re.compile(_BEFORE + r"(?P<region>[1-9][0-9]{5})(?P<date>[0-9]{6})[0-9]{3}" + _AFTER)

BANK_CARD = re.compile(
    _BEFORE
    + r"(?P<number>[3-69][0-9]{3}(?:[ -][0-9]{4}){2,3}(?:[ -][0-9]{1,4})?|[3-69][0-9]{12,18})"
    + _AFTER
)

EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])"
    r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9-])"
)

HAN = "\u4e00-\u9fff"

NAME_PHRASE = re.compile(
    r"(?:我叫|我的名字(?:是|叫)|本人(?:名叫|叫|姓名(?:是|为)?[：:]?)|(?:真实)?姓名(?:是|为)?[：:]"
    r"|联系人(?:是|为)?[：:]?|署名[：:]?)"
    r" *(?P<name>[" + HAN + r"·]{2,5})"
)

ADDRESS_PHRASE = re.compile(
    r"(?<![国大专商])"
    r"(?:家庭住址|家庭地址|居住地址|现住址|住址|家住(?:在|于)?|居住(?:在|于)|(?:本人|我)住(?:在|于|址))"
    r"(?![建房宿院])[：:]? *(?P<address>[^，,。；;！!？?\n\r、（）()\"“”的]{2,40})"
)

# Characters that end a place in an address: the masked span stops at the last one.
ADDRESS_TOKEN = re.compile(r"(?:[省市区县镇乡村组路街巷弄号栋幢室]|小区|社区|单元|大道|新村|公寓|花园|[0-9]+楼)")

# Words that follow a name in running text ("我叫黄盼是A6区人"); the name is cut before them.
NAME_STOPS = set("是的在今现住家男女电手联身系和与及从因于就想要向来给对也都已还等说，")

# Common single-character surnames; a name must start with one of them or with
# a two-character surname, which keeps "我叫了出租车" from looking like a name.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练"
    "廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿"
    "鲜印逯隆茹诸战慕危玉银亢嵩檀於凤卢"
)
COMPOUND_SURNAMES = {
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "令狐", "端木", "澹台", "轩辕", "独孤", "南宫", "西门", "呼延", "万俟", "赫连", "申屠", "钟离", "闻人",
}

# First two digits of the provinces, autonomous regions and municipalities in
# GB/T 2260, plus 71 (Taiwan) and 81, 82, 83, which the residence permits of
# Hong Kong, Macao and Taiwan residents use.
PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# Cheap tests that let most texts skip the patterns that cannot match.
_HAS_DIGITS = re.compile(r"[0-9]{5}|[0-9][ -][0-9]")
_HAS_PHRASE = re.compile(r"叫|名字|姓名|联系人|署名|住|地址")

# When two findings overlap the earlier one wins, then the longer, then this order.
_PRIORITY = {"id_number": 0, "bank_card": 1, "mobile": 2, "landline": 3, "email": 4,
             "name_phrase": 5, "address_phrase": 6}


# --- checks ------------------------------------------------------------------

def id_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def is_valid_id_number(digits: str) -> bool:
    """Check an 18- or 15-character ID number: province code, birth date and, for 18, the check digit."""
    if digits[:2] not in PROVINCE_CODES:
        return False
    if len(digits) == 18:
        if not _is_date(digits[6:14]):
            return False
        return id_check_char(digits[:17]) == digits[17].upper()
    if len(digits) == 15:
        return _is_date("19" + digits[6:12])
    return False


def _is_date(text: str) -> bool:
    try:
        day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return dt.date(1880, 1, 1) <= day <= dt.date.today()


def luhn_valid(digits: str) -> bool:
    """Return True when a digit string passes the Luhn check used by payment card numbers."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def digits_of(text: str) -> str:
    return re.sub(r"[^0-9]", "", normalise(text))


def _phone_key(digits: str) -> str:
    """Drop the country code of a mobile number, so +86 138..., 0086 138... and 138... compare equal."""
    for prefix in ("0086", "86"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and len(rest) == 11 and rest.startswith("1"):
            return rest
    return digits


@functools.lru_cache(maxsize=256)
def _allowed_phone_keys(numbers: tuple[str, ...]) -> frozenset[str]:
    """Return the comparable digits of allowed numbers; cached because every text of a department repeats them."""
    return frozenset(_phone_key(digits_of(number)) for number in numbers if digits_of(number))


def _phone_allowed(digits: str, allowed: frozenset[str]) -> bool:
    """Return True when the number equals an allowed one, with or without its area code."""
    key = _phone_key(digits)
    for number in allowed:
        if key == number:
            return True
        if len(number) >= 7 and len(key) >= 7 and (key.endswith(number) or number.endswith(key)):
            if abs(len(key) - len(number)) <= 4:
                return True
    return False


# --- masks -------------------------------------------------------------------

def _mask_digits(raw: str, keep_start: int, keep_end: int) -> str:
    """Replace digits by '*' except the first ``keep_start`` and last ``keep_end``; keep separators."""
    positions = [index for index, char in enumerate(normalise(raw)) if char in "0123456789Xx"]
    hidden = set(positions[keep_start:len(positions) - keep_end])
    return "".join("*" if index in hidden else char for index, char in enumerate(raw))


def _mask_email(raw: str) -> str:
    at = normalise(raw).index("@")
    return raw[0] + "***" + raw[at:]


def _mask_name(name: str) -> str:
    surname_length = 2 if name[:2] in COMPOUND_SURNAMES else 1
    return name[:surname_length] + "*" * (len(name) - surname_length)


def _mask_address(address: str) -> str:
    keep = 2 if len(address) > 3 else 1
    return address[:keep] + "*" * (len(address) - keep)


# --- detection ---------------------------------------------------------------

def find_personal_data(
    text: str,
    allowed_phones: Iterable[str] = (),
    allowed_names: Iterable[str] = (),
) -> list[Finding]:
    """Return the personal data in ``text``, in order and without overlaps.

    ``allowed_phones`` are office numbers that may stay. They are compared on
    their digits, with or without the area code or +86. ``allowed_names`` are
    staff names, such as a department's spokesperson, that may follow 联系人.
    """
    if not text:
        return []
    plain = normalise(text)
    allowed = _allowed_phone_keys(tuple(allowed_phones))
    names = frozenset(allowed_names)
    findings: list[Finding] = []
    if _HAS_DIGITS.search(plain):
        findings += _find_numbers(text, plain, allowed)
    if "@" in plain:
        for match in EMAIL.finditer(plain):
            raw = text[match.start():match.end()]
            findings.append(Finding("email", match.start(), match.end(), _mask_email(raw)))
    if _HAS_PHRASE.search(plain):
        findings += _find_names(text, plain, names)
        findings += _find_addresses(text, plain)
    return _without_overlaps(findings)


def _find_numbers(text: str, plain: str, allowed: frozenset[str]) -> list[Finding]:
    findings = []
    for match in ID_18.finditer(plain):
        digits = re.sub(r"[^0-9X]", "", match.group().upper())
        if is_valid_id_number(digits):
            findings.append(_number_finding("id_number", text, match.start(), match.end(), 4, 4))
    for match in ID_15.finditer(plain):
        if is_valid_id_number(match.group()):
            findings.append(_number_finding("id_number", text, match.start(), match.end(), 4, 3))
    for match in BANK_CARD.finditer(plain):
        digits = digits_of(match.group("number"))
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            findings.append(_number_finding("bank_card", text, match.start(), match.end(), 4, 4))
    for match in MOBILE.finditer(plain):
        if not _phone_allowed(digits_of(match.group()), allowed):
            findings.append(_number_finding("mobile", text, match.start(), match.end(), 3, 4,
                                            prefix=len(match.group("cc") or "")))
    for match in LANDLINE.finditer(plain):
        if not _phone_allowed(digits_of(match.group()), allowed):
            findings.append(_landline_finding(text, match.start(), match.end()))
    for match in KEYWORD_PHONE.finditer(plain):
        start, end = match.span("number")
        if not _phone_allowed(match.group("number"), allowed):
            findings.append(_landline_finding(text, start, end))
    return findings


def _number_finding(kind, text, start, end, keep_start, keep_end, prefix=0) -> Finding:
    raw = text[start:end]
    masked = raw[:prefix] + _mask_digits(raw[prefix:], keep_start, keep_end)
    return Finding(kind, start, end, masked)


def _landline_finding(text: str, start: int, end: int) -> Finding:
    raw = text[start:end]
    local = re.search(r"[0-9０-９]{3,4}[ \-－]?[0-9０-９]{4}$", raw)
    head = raw[:local.start()] if local and local.start() > 0 else ""
    tail = raw[len(head):]
    return Finding("landline", start, end, head + _mask_digits(tail, 0, 4))


def _find_names(text: str, plain: str, allowed: frozenset[str]) -> list[Finding]:
    findings = []
    for match in NAME_PHRASE.finditer(plain):
        name = match.group("name")
        for index in range(2, len(name)):
            if name[index] in NAME_STOPS:
                name = name[:index]
                break
        name = name[:4] if name[:2] in COMPOUND_SURNAMES else name[:3]
        if not (name[0] in SURNAMES or name[:2] in COMPOUND_SURNAMES) or name in allowed:
            continue
        start = match.start("name")
        findings.append(Finding("name_phrase", start, start + len(name), _mask_name(text[start:start + len(name)])))
    return findings


def _find_addresses(text: str, plain: str) -> list[Finding]:
    findings = []
    for match in ADDRESS_PHRASE.finditer(plain):
        address = match.group("address")
        tokens = list(ADDRESS_TOKEN.finditer(address))
        if not tokens:
            continue
        end = tokens[-1].end()
        # A house number after the last token ("A区B路12") is part of the address.
        trailing = re.match(r"[0-9A-Za-z\-]+[号栋幢楼室]?", address[end:])
        if trailing:
            end += trailing.end()
        start = match.start("address")
        findings.append(Finding("address_phrase", start, start + end, _mask_address(text[start:start + end])))
    return findings


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    ordered = sorted(findings, key=lambda f: (f.start, -(f.end - f.start), _PRIORITY[f.kind]))
    kept: list[Finding] = []
    for finding in ordered:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


def mask_text(text: str, findings: Iterable[Finding]) -> str:
    """Return ``text`` with every finding replaced by its masked form."""
    parts = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        parts.append(text[position:finding.start])
        parts.append(finding.masked)
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def mask(text: str, allowed_phones: Iterable[str] = (), allowed_names: Iterable[str] = ()) -> tuple[str, int]:
    """Return ``text`` with its personal data masked, and the number of findings."""
    findings = find_personal_data(text, allowed_phones, allowed_names)
    return (mask_text(text, findings) if findings else text), len(findings)


# --- letters and explanations ------------------------------------------------

_ABSENT = object()


def _get(item, name):
    # Plain checks first: isinstance against typing.Mapping costs an ABC check, and this runs
    # for every field of every letter.
    if isinstance(item, dict):
        return item.get(name)
    value = getattr(item, name, _ABSENT)
    if value is _ABSENT:
        return item.get(name) if isinstance(item, Mapping) else None
    return value


def letter_texts(letter) -> Iterator[tuple[tuple, str, str | None]]:
    """Yield ``(path, text, department)`` for every text field of a letter that the site may publish.

    ``letter`` is a letter mapping (as loaded or checked) or a ``model.Letter``.
    ``department`` is the department that wrote the text, or None for the
    author's own fields and the office's notes.
    """
    for name in ("title", "author", "body"):
        yield from _text_field((name,), _get(letter, name), None)
    for index, name in enumerate(_get(letter, "attachments") or []):
        yield from _text_field(("attachments", index), name, None)
    for index, reply in enumerate(_get(letter, "replies") or []):
        if reply:
            yield from _text_field(("replies", index, "text"), _get(reply, "text"), _get(reply, "department"))
    extension = _get(letter, "extension")
    if extension:
        yield from _text_field(("extension", "reason"), _get(extension, "reason"), _get(extension, "department"))
    for index, redo in enumerate(_get(letter, "redo") or []):
        if redo:
            yield from _text_field(("redo", index, "reason"), _get(redo, "reason"), None)
    for index, supervision in enumerate(_get(letter, "supervision") or []):
        if supervision:
            yield from _text_field(("supervision", index, "note"), _get(supervision, "note"), None)


def explanation_texts(explanation) -> Iterator[tuple[tuple, str, str | None]]:
    """Yield ``(path, text, department)`` for the text and measures of a public explanation."""
    department = _get(explanation, "department")
    yield from _text_field(("text",), _get(explanation, "text"), department)
    for index, measure in enumerate(_get(explanation, "measures") or []):
        yield from _text_field(("measures", index), measure, department)


def _text_field(path, value, department):
    if isinstance(value, str) and value:
        yield path, value, department


def is_explanation(document) -> bool:
    """Tell an explanation from a letter: only explanations have a period."""
    return _get(document, "period") is not None and _get(document, "title") is None


def document_texts(document):
    return explanation_texts(document) if is_explanation(document) else letter_texts(document)


def department_allowances(departments, department_id: str | None) -> tuple[list[str], list[str]]:
    """Return the office phones and staff names that a department's own texts may contain.

    ``departments`` maps ids to ``model.Department`` objects or to department
    mappings from departments.yaml; a list of either works too.
    """
    if not department_id or not departments:
        return [], []
    if isinstance(departments, Mapping):
        department = departments.get(department_id)
    else:
        department = next((item for item in departments if _get(item, "id") == department_id), None)
    if department is None:
        return [], []
    people = [_get(department, "spokesperson")] + list(_get(department, "assistants") or [])
    names = [_get(person, "name") for person in people if person and _get(person, "name")]
    return list(_get(department, "phones") or []), names


def _scan(texts, departments) -> list[LocatedFinding]:
    located = []
    allowances: dict = {}
    for path, text, department in texts:
        if department not in allowances:
            allowances[department] = department_allowances(departments, department)
        phones, names = allowances[department]
        for finding in find_personal_data(text, phones, names):
            located.append(LocatedFinding(path, finding))
    return located


def scan_letter(letter, departments=None) -> list[LocatedFinding]:
    """Return the personal data in every published text field of a letter."""
    return _scan(letter_texts(letter), departments)


def scan_explanation(explanation, departments=None) -> list[LocatedFinding]:
    """Return the personal data in a public explanation's text and measures."""
    return _scan(explanation_texts(explanation), departments)


def scan_document(document, departments=None) -> list[LocatedFinding]:
    return _scan(document_texts(document), departments)


def value_at(document, path: tuple):
    for step in path:
        document = document[step] if isinstance(step, int) or isinstance(document, Mapping) else getattr(document, step)
    return document


def _set_value(document, path: tuple, value) -> None:
    parent = value_at(document, path[:-1])
    last = path[-1]
    if isinstance(last, int) or isinstance(parent, Mapping):
        parent[last] = value
    else:
        setattr(parent, last, value)


def mask_document(document, departments=None):
    """Return a masked deep copy of a letter or explanation, and the number of findings masked.

    The build calls this as a second line of defence: validation already
    rejects personal data, so a non-zero count means something slipped past it.
    """
    located = scan_document(document, departments)
    if not located:
        return document, 0
    masked = copy.deepcopy(document)
    by_path: dict[tuple, list[Finding]] = {}
    for path, finding in located:
        by_path.setdefault(path, []).append(finding)
    for path, findings in by_path.items():
        _set_value(masked, path, mask_text(value_at(document, path), findings))
    return masked, len(located)


def mask_letter_for_publication(letter, departments=None):
    """Return a copy of the letter with personal data masked in every published field, and the count."""
    return mask_document(letter, departments)


# --- problems for validation -------------------------------------------------

def privacy_problems(document, departments, file: str, text: str) -> list[Problem]:
    """Report each piece of personal data in a letter or explanation as an error located in ``text``.

    ``document`` is the checked mapping or model object read from ``file``;
    ``text`` is that file's YAML source, used only to find line and column.
    The problem shows the value masked, never whole.
    """
    located = scan_document(document, departments)
    if not located:
        return []
    spans = scalar_spans(text)
    problems = []
    cursor: dict[tuple, int] = {}
    for path, finding in located:
        raw = value_at(document, path)[finding.start:finding.end]
        line, column = _position_in_source(text, spans.get(path), raw, cursor, path)
        problems.append(Problem(
            file=file,
            field=format_path(path),
            message=f"published text contains {KIND_TEXT[finding.kind]}",
            expected="no personal data",
            found=finding.masked,
            hint=f"mask it with `wenzheng redact {file}` and review the change",
            line=line,
            column=column,
            severity="error",
            code="personal-data",
            path=path,
        ))
    return problems


def _position_in_source(text, span, raw, cursor, path) -> tuple[int, int]:
    """Return the 1-based line and column of ``raw`` inside the scalar at ``span``, or of the scalar."""
    if span is None:
        return locate(text, path)
    start, end = span
    index = text.find(raw, cursor.get(path, start), end)
    if index < 0:
        index = start
    else:
        cursor[path] = index + len(raw)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def scalar_spans(text: str) -> dict[tuple, tuple[int, int]]:
    """Map the key path of every scalar in a YAML text to its start and end offsets in the text."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader_class)
    except yaml.YAMLError:
        return {}
    spans: dict[tuple, tuple[int, int]] = {}
    stack = [((), root)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            spans[path] = (node.start_mark.index, node.end_mark.index)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((path + (key.value,), value) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((path + (index,), value) for index, value in enumerate(node.value))
    return spans


# --- redaction of data files -------------------------------------------------

class RedactionError(WenzhengError):
    """A file whose personal data could not be masked without changing anything else."""


@dataclass(frozen=True, slots=True)
class Redaction:
    """One masked value in a data file, for the report that ``wenzheng redact`` prints."""

    line: int
    field: str
    kind: str
    masked: str


def redact_text(text: str, departments=None) -> tuple[str, list[Redaction]]:
    """Mask the personal data in a letter or explanation YAML text; return the new text and what changed.

    Each value is replaced at its place in the source, so comments, key
    order, quoting and block style stay as they were and a diff shows only the
    masked characters. When a value cannot be found verbatim in the source
    (a number folded over two lines, or written with escapes), the file is
    rewritten through ruamel.yaml's round-trip mode instead, which keeps
    comments and quoting but may re-indent. Either result is read back with
    the strict loader and must equal the masked document.

    Raises ``yamlio.YamlProblem`` when the text is not valid YAML.
    """
    document = loads(text)
    if not isinstance(document, dict):
        return text, []
    located = scan_document(document, departments)
    if not located:
        return text, []
    expected, _ = mask_document(document, departments)
    spans = scalar_spans(text)
    edits = _source_edits(text, document, located, spans)
    redactions = [
        Redaction(_line_of(text, position), format_path(path), finding.kind, finding.masked)
        for (path, finding), position in zip(located, _edit_positions(edits, located, spans))
    ]
    if edits is not None:
        new_text = _apply_edits(text, edits)
        if _reads_as(new_text, expected):
            return new_text, redactions
    logger.warning("rewriting the whole file with ruamel.yaml because a value is split in the source; "
                   "review the diff")
    new_text = _round_trip_replace(text, expected, {path for path, _ in located})
    if not _reads_as(new_text, expected):
        raise RedactionError("masking would change more than the personal data, so the file was left "
                             "unchanged; mask the values listed above by hand")
    return new_text, redactions


def _source_edits(text, document, located, spans) -> list[tuple[int, int, str]] | None:
    """Find each finding's raw value inside its scalar's source; None when one is not there verbatim."""
    edits = []
    cursor: dict[tuple, int] = {}
    for path, finding in located:
        span = spans.get(path)
        if span is None:
            return None
        raw = value_at(document, path)[finding.start:finding.end]
        index = text.find(raw, cursor.get(path, span[0]), span[1])
        if index < 0:
            return None
        cursor[path] = index + len(raw)
        edits.append((index, index + len(raw), finding.masked))
    return edits


def _edit_positions(edits, located, spans) -> list[int]:
    if edits is not None:
        return [start for start, _, _ in edits]
    return [spans.get(path, (0, 0))[0] for path, _ in located]


def _apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _reads_as(text: str, expected) -> bool:
    try:
        return loads(text) == expected
    except YamlProblem:
        return False


def _round_trip_replace(text: str, expected, paths: set[tuple]) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import ScalarString
    from ruamel.yaml.util import load_yaml_guess_indent

    _, indent, sequence_indent = load_yaml_guess_indent(text)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    offset = sequence_indent if sequence_indent is not None else 0
    yaml.indent(mapping=indent or 2, sequence=(indent or 2) + offset, offset=offset)
    data = yaml.load(text)
    for path in paths:
        old = value_at(data, path)
        new = value_at(expected, path)
        _set_value(data, path, type(old)(new) if isinstance(old, ScalarString) else new)
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def load_department_list(path) -> list:
    """Read the department entries of a departments.yaml file, for their phones and staff names."""
    data = load_file(path)
    return list(data.get("departments") or []) if isinstance(data, dict) else []
