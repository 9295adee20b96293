"""Tests for `wenzheng audit` on real Material for MkDocs builds made in a temporary folder."""

from __future__ import annotations

import gzip
import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.audit import (
    PAGEFIND_SIGNATURE, audit_site, build_allowlist, load_private_text, needles_of, read_output,
    theme_template_dirs,
)
from generator.cli import cli

SHARED_REPLY = "您好，您反映的问题已转交相关部门办理，我们将尽快答复，感谢您的监督。"

PUBLIC_LETTER = f"""\
id: HF-2026-00001
received: 2026-03-02 09:00
channel: forum
type: complaint
author: 热心市民
title: 人民路路灯不亮
body: |
  人民路的路灯坏了三个月，晚上出行很不方便。我在页面上写 <script>alert(1)</script> 也只是文字。
  之前留过电话 138****5678。
replies:
- at: 2026-03-03 10:00
  department: town-dongcheng
  kind: final
  text: {SHARED_REPLY}
"""

PRIVATE_LETTER = f"""\
id: HF-2026-00002
received: 2026-03-05 09:00
channel: forum
type: complaint
public: false
author: 私密作者甲乙丙
title: 私密标题邻居装修噪音扰民
body: |
  私密正文：隔壁邻居每天晚上十点以后还在装修，电钻声音非常大，孩子没法休息，物业也不管。
replies:
- at: 2026-03-06 10:00
  department: town-dongcheng
  kind: interim
  text: {SHARED_REPLY}
- at: 2026-03-07 10:00
  department: town-dongcheng
  kind: final
  text: 私密答复：已约谈装修业主，要求其晚上八点以后停止施工，并由社区每周回访一次。
"""

HIDDEN_LETTER = """\
id: HF-2026-00003
received: 2026-03-06 09:00
channel: forum
type: opinion
hidden: true
author: 隐藏作者丁戊己
title: 隐藏标题撤回的信件内容
body: 隐藏正文：这封信已经被网络问政办撤回，它的任何文字都不应出现在网站的任何文件里。
"""

MKDOCS_YML = """\
site_name: 示范县网络问政
theme:
  name: material
  language: zh
  font: false
  custom_dir: overrides
  features:
    - search.share
extra_javascript:
  - assets/portal.js
"""

# A template override with an inline script of the project's own.
OVERRIDE_MAIN = """\
{% extends "base.html" %}
{% block scripts %}
  {{ super() }}
  <script>window.portalAsOf="{{ config.site_name }}";</script>
{% endblock %}
"""

LETTER_PAGE = """\
# 人民路路灯不亮

<div class="letter-body">人民路的路灯坏了三个月，晚上出行很不方便。我在页面上写 &lt;script&gt;alert(1)&lt;/script&gt; 也只是文字。<br>
之前留过电话 138****5678。</div>

<div class="reply">{reply}</div>
"""

RSS = """\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>示范县网络问政</title>
<item><title>人民路路灯不亮</title>
<description>{description}</description></item>
</channel></rss>
"""


def run(*command, cwd=None):
    subprocess.run([sys.executable, "-m", *command], cwd=cwd, check=True, capture_output=True, text=True)


def write_data(root: Path) -> Path:
    data = root / "data"
    for text in (PUBLIC_LETTER, PRIVATE_LETTER, HIDDEN_LETTER):
        letter_id = text.split("\n", 1)[0].split(": ")[1]
        path = data / "letters" / "2026" / "03" / f"{letter_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    shutil.copy(Path(__file__).parent / "fixtures" / "privacy" / "departments.yaml", data / "departments.yaml")
    return data


def build_small_site(root: Path, extra_pages: dict[str, str] | None = None) -> Path:
    """Build a small portal-like site with Material for MkDocs and index it with Pagefind."""
    docs = root / "docs"
    (docs / "letters").mkdir(parents=True)
    (docs / "assets").mkdir()
    (root / "overrides").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (root / "overrides" / "main.html").write_text(OVERRIDE_MAIN, encoding="utf-8")
    (docs / "assets" / "portal.js").write_text("document.documentElement.dataset.portal = '1';\n", encoding="utf-8")
    (docs / "index.md").write_text("# 首页\n\n本站公开网民来信和部门答复。\n", encoding="utf-8")
    (docs / "letters" / "HF-2026-00001.md").write_text(
        LETTER_PAGE.format(reply=html.escape(SHARED_REPLY)), encoding="utf-8")
    for name, text in (extra_pages or {}).items():
        (docs / name).write_text(text, encoding="utf-8")
    run("mkdocs", "build", "--quiet", "--site-dir", "site", cwd=root)
    site = root / "site"
    # Open data: raw letter text in JSON is data, not markup.
    (site / "data").mkdir()
    (site / "data" / "letters.json").write_text(json.dumps(
        [{"id": "HF-2026-00001", "body": "我在页面上写 <script>alert(1)</script> 也只是文字。"}],
        ensure_ascii=True), encoding="utf-8")
    (site / "feed.xml").write_text(RSS.format(description=html.escape(html.escape("<script>x</script> 路灯"))),
                                   encoding="utf-8")
    (site / "chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><text x="1" y="2">回复率 92.3%（24/26）</text></svg>',
        encoding="utf-8")
    run("pagefind", "--site", str(site), cwd=root)
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    data = write_data(root)
    site = build_small_site(root)
    return root, site, data


@pytest.fixture
def site_copy(built, tmp_path):
    root, site, data = built
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    return copy, data, root / "mkdocs.yml"


def audit(site, data, config):
    return audit_site(site, data, mkdocs_config=config)


def checks_of(report):
    return [(finding.file, finding.check) for finding in report.findings]


# --- a clean build passes ----------------------------------------------------

def test_audit_clean_build_passes(built):
    root, site, data = built
    report = audit(site, data, root / "mkdocs.yml")
    assert [finding.format() for finding in report.findings] == []
    assert report.private_letters == 2
    assert report.files_scanned > 5


def test_audit_clean_build_has_theme_scripts(built):
    # The clean build must contain what the allowlist is for, or the test above proves nothing.
    _, site, _ = built
    page = (site / "letters" / "HF-2026-00001" / "index.html").read_text(encoding="utf-8")
    assert "__md_scope" in page
    assert 'id="__config" type="application/json"' in page
    assert "javascript:void(0)" in page
    assert 'window.portalAsOf="示范县网络问政"' in page
    assert "assets/portal.js" in page
    assert list((site / "pagefind" / "fragment").glob("*.pf_fragment"))


def test_allowlist_derived_from_material_templates():
    allowlist = build_allowlist(theme_template_dirs())
    assert allowlist.allows_inline('var target=document.getElementById(location.hash.slice(1));'
                                   'target&&target.name&&(target.checked=target.name.startsWith("__tabbed_"))')
    assert not allowlist.allows_inline("alert(1)")
    assert "javascript:void(0)" in allowlist.javascript_urls


def test_allowlist_expression_cannot_leave_string():
    allowlist = build_allowlist(theme_template_dirs())
    scope = ('__md_scope=new URL("{}",location),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),'
             '__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),'
             '__md_set=(e,_,t=localStorage,a=__md_scope)=>{{try{{t.setItem(a.pathname+"."+e,JSON.stringify(_))}}'
             'catch(e){{}}}}')
    assert allowlist.allows_inline(scope.format("../.."))
    assert not allowlist.allows_inline(scope.format('",alert(1),"'))


# --- injected code -----------------------------------------------------------

INJECTIONS = [
    ("<script>alert(1)</script>", "script", "inline <script> that no theme template contains: 'alert(1)'"),
    ("<img src=x onerror=alert(1)>", "event-handler", "<img onerror=...> 'alert(1)'"),
    ('<a href="javascript:alert(1)">x</a>', "script-url", "<a href=...> 'javascript:alert(1)'"),
    ('<a href=" JaVa\tScript:alert(1)">x</a>', "script-url", "<a href=...> 'JaVa Script:alert(1)'"),
    ('<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', "script-url",
     "<a xlink:href=...> 'javascript:alert(1)'"),
    ('<iframe src="https://example.org/"></iframe>', "embedded-element", "<iframe> 'https://example.org/'"),
    ('<object data="x.swf"></object>', "embedded-element", "<object> 'x.swf'"),
    ('<script src="https://example.org/x.js"></script>', "script",
     "<script src> outside the theme's script folders: 'https://example.org/x.js'"),
    ('<script src="../../assets/missing.js"></script>', "script",
     "<script src> outside the theme's script folders: '../../assets/missing.js'"),
    ('<div onmouseover="alert(1)">x</div>', "event-handler", "<div onmouseover=...> 'alert(1)'"),
    ('<script type="application/json">{"a": 1}</script><script type="application/json">alert(1)</script>',
     "script", "<script type=application/json> whose content is not JSON: 'alert(1)'"),
]


@pytest.mark.parametrize(("snippet", "check", "detail"), INJECTIONS, ids=[case[0][:40] for case in INJECTIONS])
def test_audit_finds_injected_code(site_copy, snippet, check, detail):
    site, data, config = site_copy
    page = site / "letters" / "HF-2026-00001" / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("人民路的路灯坏了三个月", "人民路的路灯坏了三个月" + snippet, 1), encoding="utf-8")
    report = audit(site, data, config)
    assert [(finding.file, finding.check, finding.detail) for finding in report.findings] == [
        ("letters/HF-2026-00001/index.html", check, detail)
    ]
    assert report.findings[0].line > 0


def test_audit_allows_theme_script_folder(site_copy):
    site, data, config = site_copy
    page = site / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", '<script src="pagefind/pagefind-ui.js"></script></body>'),
                    encoding="utf-8")
    assert audit(site, data, config).findings == []


def test_audit_feed_with_html_script(site_copy):
    site, data, config = site_copy
    (site / "feed.xml").write_text(RSS.format(description=html.escape("<script>x</script>")), encoding="utf-8")
    assert checks_of(audit(site, data, config)) == [("feed.xml", "script")]


def test_audit_search_index_with_script(site_copy):
    site, data, config = site_copy
    index_path = site / "search" / "search_index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    index["docs"][0]["text"] += "<img src=x onerror=alert(1)>"
    index_path.write_text(json.dumps(index), encoding="utf-8")
    assert checks_of(audit(site, data, config)) == [("search/search_index.json", "event-handler")]


def test_audit_svg_with_script(site_copy):
    site, data, config = site_copy
    (site / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                                    encoding="utf-8")
    assert checks_of(audit(site, data, config)) == [("chart.svg", "script")]


# --- personal data -----------------------------------------------------------

def test_audit_finds_personal_data_in_page(site_copy):
    site, data, config = site_copy
    page = site / "letters" / "HF-2026-00001" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("138****5678", "138 1234 5678"), encoding="utf-8")
    report = audit(site, data, config)
    assert [finding.format() for finding in report.findings] == [
        "letters/HF-2026-00001/index.html: personal-data: a mobile phone number 138 **** 5678"
    ]


def test_audit_allows_listed_office_phone(site_copy):
    site, data, config = site_copy
    page = site / "letters" / "HF-2026-00001" / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("之前留过电话", "镇政府电话 0660-6610100，联系人：刘晓敏，另有 0660-6619999。"),
                    encoding="utf-8")
    report = audit(site, data, config)
    assert [finding.detail for finding in report.findings] == ["a telephone number 0660-***9999"]


def test_audit_finds_personal_data_in_escaped_json(site_copy):
    site, data, config = site_copy
    (site / "data" / "people.json").write_text(json.dumps({"note": "我叫王小明"}, ensure_ascii=True), encoding="utf-8")
    assert [finding.detail for finding in audit(site, data, config).findings] == ["a personal name 王**"]


def test_audit_finds_personal_data_in_pagefind_fragment(built, tmp_path):
    root = tmp_path / "portal"
    write_data(root)
    site = build_small_site(root, {"contact.md": "# 联系\n\n信访人身份证 11010519491231002X。\n"})
    report = audit(site, root / "data", root / "mkdocs.yml")
    files = sorted(finding.file for finding in report.findings)
    assert files[0] == "contact/index.html"
    assert any(file.startswith("pagefind/fragment/") for file in files)
    assert any(file == "search/search_index.json" for file in files)
    # The search index stores the text in lower case, so its copy ends in a lower-case x.
    assert {finding.detail for finding in report.findings} <= {"a resident ID number 1101**********002X",
                                                              "a resident ID number 1101**********002x"}


# --- private and hidden letters ----------------------------------------------

@pytest.mark.parametrize(("text", "label"), [
    ("私密标题邻居装修噪音扰民", "HF-2026-00002 title"),
    ("私密作者甲乙丙", "HF-2026-00002 author"),
    ("隔壁邻居每天晚上十点以后还在装修，电钻声音非常大，孩子没法休息", "HF-2026-00002 body"),
    ("已约谈装修业主，要求其晚上八点以后停止施工，并由社区每周回访", "HF-2026-00002 replies.1.text"),
    ("隐藏标题撤回的信件内容", "HF-2026-00003 title"),
    ("隐藏作者丁戊己", "HF-2026-00003 author"),
])
def test_audit_finds_private_text_in_page(site_copy, text, label):
    site, data, config = site_copy
    page = site / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("本站公开网民来信", f"<p>{text}</p>本站公开网民来信"),
                    encoding="utf-8")
    report = audit(site, data, config)
    assert [(finding.file, finding.detail) for finding in report.findings] == [
        ("index.html", f"text of private or hidden letter {label}")
    ]


def test_audit_private_text_in_attribute_and_escaped_json(site_copy):
    site, data, config = site_copy
    page = site / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("<body", '<body title="私密标题邻居装修噪音扰民"'),
                    encoding="utf-8")
    (site / "data" / "all.json").write_text(json.dumps({"title": "私密标题邻居装修噪音扰民"}, ensure_ascii=True),
                                            encoding="utf-8")
    assert sorted(checks_of(audit(site, data, config))) == [
        ("data/all.json", "private-letter"), ("index.html", "private-letter"),
    ]


def test_audit_private_body_in_pagefind_fragment(tmp_path):
    root = tmp_path / "portal"
    write_data(root)
    leak = "# 泄露\n\n隔壁邻居每天晚上十点以后还在装修，\n电钻声音非常大，孩子没法休息，物业也不管。\n"
    site = build_small_site(root, {"leak.md": leak})
    report = audit(site, root / "data", root / "mkdocs.yml")
    files = {finding.file for finding in report.findings if finding.check == "private-letter"}
    assert "leak/index.html" in files
    assert "search/search_index.json" in files
    assert any(file.startswith("pagefind/fragment/") for file in files)


def test_private_reply_shared_with_public_letter_ignored(built):
    # The shared reply sentence is on a public page; it must not count as private text.
    _, _, data = built
    private = load_private_text(data)
    assert private.find("".join(SHARED_REPLY.split())) == set()
    assert private.letters == 2


def test_needles_cover_any_long_excerpt():
    text = "一二三四五六七八九十" * 7
    needles = needles_of(text)
    for start in range(0, len(text) - 29):
        excerpt = text[start:start + 29]
        assert any(needle in excerpt for needle in needles)


def test_short_private_text_not_searched():
    assert needles_of("短标题") == []


# --- reading output files ----------------------------------------------------

def test_read_output_decodes_pagefind_fragment(tmp_path):
    path = tmp_path / "x.pf_fragment"
    path.write_bytes(gzip.compress(PAGEFIND_SIGNATURE + '{"content":"电话13812345678"}'.encode()))
    assert read_output(path) == ("json", '{"content":"电话13812345678"}')


def test_read_output_decodes_gzip_sitemap(tmp_path):
    path = tmp_path / "sitemap.xml.gz"
    path.write_bytes(gzip.compress(b"<urlset></urlset>"))
    assert read_output(path) == ("feed", "<urlset></urlset>")


# --- command line ------------------------------------------------------------

def test_audit_command_exit_status(site_copy, monkeypatch):
    site, data, config = site_copy
    runner = CliRunner()
    clean = runner.invoke(cli, ["audit", str(site), "--data", str(data), "--config-file", str(config)])
    assert clean.exit_code == 0, clean.output
    assert clean.stdout == ""

    page = site / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", "<script>alert(1)</script></body>"),
                    encoding="utf-8")
    dirty = runner.invoke(cli, ["audit", str(site), "--data", str(data), "--config-file", str(config)])
    assert dirty.exit_code == 1
    assert dirty.stdout.startswith("index.html:")
    assert ": script: inline <script> that no theme template contains: 'alert(1)'" in dirty.stdout


def test_audit_command_missing_data_folder(site_copy, tmp_path):
    site, _, config = site_copy
    result = CliRunner().invoke(cli, ["audit", str(site), "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "data folder not found" in str(result.exception)


# --- the project's own build -------------------------------------------------

PRIVATE_MARKERS = {
    "title": "标记私密标题甲一",
    "author": "标记私密作者甲二",
    "body": "标记私密正文甲三，这里写的是只有办理部门才能看到的内容。",
    "attachment": "标记私密附件甲四.jpg",
    "reply": "标记私密答复甲五，已经安排专人上门处理。",
    "extension": "标记私密延期理由甲六",
    "redo": "标记私密重办理由甲七",
    "supervision": "标记私密督办说明甲八",
}

MARKED_LETTER = """\
id: {id}
received: 2026-03-02T09:00:00+08:00
channel: forum
type: complaint
{visibility}
author: {author}
title: {title}
body: {body}
attachments:
- {attachment}
assignment:
  departments:
  - town-dongcheng
  at: 2026-03-02T10:00:00+08:00
replies:
- at: 2026-03-03T10:00:00+08:00
  department: town-dongcheng
  kind: interim
  text: {reply}
- at: 2026-03-20T10:00:00+08:00
  department: town-dongcheng
  kind: final
  text: 已处理完毕。
extension:
  requested_at: 2026-03-05T10:00:00+08:00
  department: town-dongcheng
  until: 2026-03-25
  reason: {extension}
  decision: approved
  decided_at: 2026-03-06T10:00:00+08:00
completed_at: 2026-03-20T10:00:00+08:00
supervision:
- at: 2026-03-10T10:00:00+08:00
  due: 2026-03-25
  note: {supervision}
redo:
- at: 2026-03-21T10:00:00+08:00
  due: 2026-04-03
  reason: {redo}
  completed_at: 2026-03-30T10:00:00+08:00
"""

PERSONAL_VALUES = {
    "title": "路灯坏了电话13812345678",
    "body": "我叫王小明，家住东城镇人民路18号3栋，身份证11010519491231002X，邮箱wang.xm@example.com，"
            "银行卡4111 1111 1111 1111，座机0660-6619999。",
    "reply": "请致电 +86 139-1234-5678 联系经办人。",
}
UNMASKED = ["13812345678", "11010519491231002X", "11010519491231002x", "wang.xm@example.com",
            "4111 1111 1111 1111", "4111111111111111", "6619999", "1391234", "139-1234-5678", "王小明",
            "人民路18号"]


def marked_letter(letter_id: str, visibility: str, suffix: str) -> str:
    values = {key: value.replace("甲", suffix) for key, value in PRIVATE_MARKERS.items()}
    return MARKED_LETTER.format(id=letter_id, visibility=visibility, **values)


def output_texts(site: Path):
    """Yield each output file's text, decompressed, with JSON strings decoded and whitespace removed."""
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix in (".png", ".woff2", ".map"):
            continue
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8", errors="replace")
        variants = [text, html.unescape(text)]
        try:
            variants.append(json.dumps(json.loads(text.removeprefix("pagefind_dcd")), ensure_ascii=False))
        except ValueError:
            pass
        yield path.relative_to(site).as_posix(), "".join("".join(variants).split()).replace("\u200b", "")


# pygal installs an import hook that MkDocs' imports trip over when both run in one process.
@pytest.mark.filterwarnings("ignore:PluginImportFixer:ImportWarning")
def test_build_leaks_no_private_or_personal_data(tmp_path, monkeypatch):
    from generator import dataset as dataset_module
    from generator.site.build import build_site

    data = tmp_path / "data"
    run("generator", "demo", "--letters", "30", "--out", str(data), "--end", "2026-06-30",
        cwd=Path(__file__).parents[1])
    folder = data / "letters" / "2026" / "03"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "HF-2026-09001.yaml").write_text(marked_letter("HF-2026-09001", "public: false", "甲"), encoding="utf-8")
    (folder / "HF-2026-09002.yaml").write_text(marked_letter("HF-2026-09002", "hidden: true", "乙"), encoding="utf-8")
    public = marked_letter("HF-2026-09003", "public: true", "丙")
    for field, value in PERSONAL_VALUES.items():
        public = public.replace(PRIVATE_MARKERS[field].replace("甲", "丙"), value)
    (folder / "HF-2026-09003.yaml").write_text(public, encoding="utf-8")

    # Let the personal data past validation, so the build's own masking is what is tested.
    monkeypatch.setattr(dataset_module, "_privacy_check", lambda: None)
    result = build_site(data, tmp_path / "site", as_of="2026-06-30", docs_dir=tmp_path / "docs")
    site = tmp_path / "site"
    assert result.masked == 8

    private_markers = [marker.replace("甲", suffix) for marker in PRIVATE_MARKERS.values() for suffix in "甲乙"]
    leaks = []
    public_title_found = public_author_found = False
    for name, text in output_texts(site):
        leaks += [(name, marker) for marker in private_markers if "".join(marker.split()) in text]
        leaks += [(name, value) for value in UNMASKED if "".join(value.split()) in text]
        public_title_found = public_title_found or "路灯坏了电话138****5678" in text
        public_author_found = public_author_found or "标记私密作者丙二" in text
    assert leaks == []
    # The public letter is on the site, masked, so the search above looked in the right places.
    assert public_title_found
    assert public_author_found

    report = audit_site(site, data, mkdocs_config=Path(__file__).parents[1] / "mkdocs.yml")
    assert [finding.format() for finding in report.findings
            if finding.check in ("personal-data", "private-letter")] == []
    assert report.private_letters >= 2
    # NOTE: pygal writes an inline <script> with the chart's configuration into every
    # SVG even with js=[]; the audit reports it until the chart module removes it.
    others = [finding for finding in report.findings if finding.check not in ("personal-data", "private-letter")]
    assert all(finding.file.startswith("charts/") and "window.pygal" in finding.detail for finding in others)
