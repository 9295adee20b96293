"""The site build end to end: real MkDocs and Pagefind runs on the fixture in tests/fixtures/site."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from mkdocs.utils.meta import get_data

from generator.audit import audit_site
from generator.errors import DataError, Problem, WenzhengError
from generator.site import charts, search
from generator.site import build as site_build
from generator.site.build import build_site
from generator.site.opendata import csv_text
from generator.site.render import front_matter_html, relative_url

FIXTURE = Path(__file__).parent / "fixtures" / "site"
AS_OF = dt.datetime(2026, 3, 31, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
AS_OF_LINE = "数据截至 2026-03-31 18:00（UTC+8）"
PRIVATE_MARKERS = ("PRIVMARK", "HIDDENMARK", "FUTUREMARK")


def copy_fixture(target: Path) -> Path:
    """Copy the fixture data outside the repository, so no Git history applies to it."""
    shutil.copytree(FIXTURE, target)
    return target


def build(data: Path, work: Path, **options):
    return build_site(data, work / "site", as_of=options.pop("as_of", AS_OF), strict=options.pop("strict", True),
                      docs_dir=work / "docs", **options)


def site_texts(site: Path):
    """Yield (relative path, text) of every file of a built site; Pagefind's gzip files decompressed."""
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        # Pagefind separates the words it found in Chinese text with zero-width spaces.
        yield path.relative_to(site).as_posix(), data.decode("utf-8", "replace").replace("\u200b", "")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("site-build")
    data = copy_fixture(work / "data")
    result = build(data, work)
    return result, work / "site"


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


# Pages


@pytest.mark.parametrize("path", [
    "", "letters", "letters/2026/HF-2026-00006", "letters/month/2026-03", "letters/month/2026-03/2",
    "letters/department/town-dongcheng", "letters/type/complaint", "letters/light/red", "departments",
    "departments/county-housing", "ranking", "ranking/2026", "ranking/2026-Q1", "accountability", "rules", "data",
])
def test_build_writes_page(built, path):
    _, site = built
    assert (site / path / "index.html").is_file()


def test_site_folder_is_readable_by_others(built):
    _, site = built
    assert site.stat().st_mode & 0o005 == 0o005


def test_build_result_counts(built):
    result, _ = built
    assert result.letters == 16
    assert result.published == 14
    assert result.departments == 5
    assert result.masked == 0
    assert result.warnings == 0
    assert set(result.timings) == {"validate", "compute", "render", "mkdocs", "search"}


def test_every_page_states_as_of(built):
    _, site = built
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    for path in pages:
        # Material's 404 page replaces the content block and shows no data.
        if "pagefind" in path.parts or path.name == "404.html":
            continue
        assert AS_OF_LINE in path.read_text(encoding="utf-8"), path


def test_staleness_warning_is_embedded_hidden(built):
    _, site = built
    html = page(site, "")
    assert '<p class="wz-stale" hidden data-as-of="2026-03-31T18:00:00+08:00" data-stale-hours="36">' in html


def test_home_shows_rates_with_denominators(built):
    _, site = built
    html = page(site, "")
    assert "90.9%（10/11）" in html
    assert "未达标：0 件超期未交办，2 件超期未回复" in html


def test_letter_page_shows_light_reason_and_timeline(built):
    _, site = built
    html = page(site, "letters/2026/HF-2026-00008")
    assert '<span class="wz-light wz-light--yellow">黄灯</span>' in html
    assert "已有效申请延期至 2026-04-20，尚未到期" in html
    assert "第6个工作日</span><strong>申请延期</strong>" in html
    assert "<td>红灯线</td><td>延期批准的日期</td><td>2026-04-20</td>" in html


def test_letter_page_without_git_shows_no_backdating(built):
    _, site = built
    assert "补记" not in page(site, "letters/2026/HF-2026-00006")


def test_department_page_shows_rates_and_spokesperson(built):
    _, site = built
    html = page(site, "departments/town-dongcheng")
    assert "陈志远（副镇长）" in html
    assert "100.0%（6/6）" in html
    assert 'src="../../charts/department-town-dongcheng-letters.svg"' in html


def test_accountability_page_shows_missing_explanation(built):
    _, site = built
    html = page(site, "accountability")
    assert "尚未说明，已逾期12个工作日" in html
    assert "&lt;b&gt;不应加粗&lt;/b&gt;" in html


def test_rules_page_lists_calendar_of_the_year(built):
    _, site = built
    html = page(site, "rules")
    assert "2026-02-15 — 2026-02-23" in html
    assert "调休上班" in html


# Privacy and escaping


@pytest.mark.parametrize("letter_id", ["HF-2026-00010", "HF-2026-00011", "HF-2026-00017"])
def test_unpublished_letter_has_no_page(built, letter_id):
    _, site = built
    assert not (site / "letters" / "2026" / letter_id).exists()


def test_private_markers_appear_in_no_file(built):
    _, site = built
    for path, text in site_texts(site):
        for marker in PRIVATE_MARKERS:
            assert marker not in text, f"{marker} in {path}"


def test_audit_finds_nothing_in_built_site(built):
    result, site = built
    report = audit_site(site, FIXTURE, mkdocs_config=Path(__file__).resolve().parents[1] / "mkdocs.yml")
    assert [finding for finding in report.findings] == []
    assert report.private_letters == 2


def test_private_letter_listed_without_text(built):
    _, site = built
    html = page(site, "letters/department/town-dongcheng")
    assert '<tr class="wz-private"><td class="wz-id">—</td><td>不公开信件</td><td>—</td>' in html
    assert "HF-2026-00010" not in html


@pytest.mark.parametrize("raw", [
    "<script>window.__pwned",
    "<img src=x",
    'onerror="window',
    'href="javascript:',
    "<b>不应加粗</b>",
])
def test_injection_text_is_never_markup(built, raw):
    _, site = built
    for path, text in site_texts(site):
        if path.endswith((".html", ".svg", ".xml")):
            assert raw not in text, f"{raw!r} in {path}"


def test_injection_text_shows_literally(built):
    _, site = built
    html = page(site, "letters/2026/HF-2026-00012")
    assert "<h1>&lt;script&gt;window.__pwned=1&lt;/script&gt;人行道井盖破损 **加粗** {{ config.site_name }}</h1>" in html
    assert "[x](javascript:window.__pwned=1)\n# 不是标题\n{% include &#34;base.html&#34; %} {# 注释 #}" in html
    assert "A &amp;amp; B &lt; C &gt; D" in html


def test_chart_escapes_department_name():
    chart = charts.ranking_chart("排名", ["<script>alert(1)</script>乡"], [0.5])
    svg = charts.render(chart, "ranking").decode("utf-8")
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;乡" in svg


def test_charts_carry_no_script(built):
    _, site = built
    for path in (site / "charts").glob("*.svg"):
        assert b"<script" not in path.read_bytes(), path


@pytest.mark.parametrize("html, expected", [
    ('<p>quote " and backslash \\</p>\n---\n...\n<p>after</p>', None),
    ("   leading spaces\n\n\ttab and trailing  ", None),
    ("emoji 🚧 {{ jinja }} {% raw %} # not a comment", None),
    ("next line \x85 separators \u2028\u2029 C1 \x9b bell \x07 cr \r",
     "next line &#x85; separators &#x2028;&#x2029; C1 &#x9b; bell &#x7; cr &#xd;"),
])
def test_front_matter_html_round_trips_through_yaml(html, expected):
    document = f"---\ntemplate: article.html\narticle: {front_matter_html(html)}\n---\n"
    body, meta = get_data(document)
    assert meta["article"] == (html if expected is None else expected)
    assert body == ""


# Navigation and scale


def test_letters_stay_out_of_navigation(built):
    _, site = built
    html = page(site, "")
    drawer = html[html.index('<nav class="md-nav md-nav--primary'):]
    drawer = drawer[:drawer.index("</nav>")]
    assert "HF-2026" not in drawer
    assert drawer.count('class="md-nav__link') == 7


def write_letters(folder: Path, count: int) -> None:
    """Write ``count`` similar letters, HF-2026-00001 identical whatever the count."""
    for number in range(1, count + 1):
        day = dt.date(2026, 3, 2) + dt.timedelta(days=number % 20)
        path = folder / "letters" / "2026" / f"{day.month:02d}" / f"HF-2026-{number:05d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"id: HF-2026-{number:05d}\nreceived: {day.isoformat()}T09:00:00+08:00\nchannel: forum\n"
            f"type: complaint\nauthor: 网民{number}\ntitle: 第{number}号来信：路面破损\n"
            f"body: 道路破损，请尽快维修。\nassignment:\n  departments:\n  - town-dongcheng\n"
            f"  at: {day.isoformat()}T10:00:00+08:00\n", encoding="utf-8")


def test_letter_page_size_independent_of_count(tmp_path):
    sizes = {}
    for count in (20, 200):
        data = tmp_path / f"data-{count}"
        data.mkdir()
        for name in ("policy.yaml", "departments.yaml"):
            shutil.copy(FIXTURE / name, data / name)
        write_letters(data, count)
        build(data, tmp_path / f"work-{count}", search_index=False)
        sizes[count] = (tmp_path / f"work-{count}" / "site" / "letters" / "2026" / "HF-2026-00001"
                        / "index.html").stat().st_size
    assert abs(sizes[200] - sizes[20]) <= 0.01 * sizes[20]
    assert sizes[200] < 40_000


# Open data


def test_letters_json_holds_public_fields_only(built):
    _, site = built
    document = json.loads((site / "data" / "letters.json").read_text(encoding="utf-8"))
    records = {record["id"]: record for record in document["letters"]}
    assert len(records) == 16
    assert set(records["HF-2026-00010"]) == {"id", "published", "received", "completed_at", "lead_department",
                                            "light"}
    assert records["HF-2026-00006"]["title"] == "东城镇幸福路路灯长期不亮"
    assert records["HF-2026-00006"]["url"] == "letters/2026/HF-2026-00006/"


@pytest.mark.parametrize("name", ["letters.csv", "figures.csv"])
def test_csv_files_are_utf8_with_bom(built, name):
    _, site = built
    data = (site / "data" / name).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len({len(row) for row in rows}) == 1
    assert len(rows) > 10


def test_figures_json_names_departments(built):
    _, site = built
    document = json.loads((site / "data" / "figures.json").read_text(encoding="utf-8"))
    assert document["departments"]["county-water"]["name"] == "县水务局"
    assert document["figures"]["2026-03"]["*"]["reply_rate"] == {"numerator": 10, "denominator": 11,
                                                                 "value": 0.9091}


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM", "'@SUM"),
    ("路灯", "路灯"), ("", ""), (None, ""),
])
def test_csv_text_defuses_formulas(value, expected):
    assert csv_text(value) == expected


# Policy, strictness and failures


def test_rules_page_follows_policy(tmp_path):
    data = copy_fixture(tmp_path / "data")
    policy = data / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("reply: 5  ", "reply: 7  "), encoding="utf-8")
    build(data, tmp_path, search_index=False)
    html = page(tmp_path / "site", "rules")
    assert "首次回复：收信后 7 个工作日内" in html
    assert "首次回复：收信后 5 个工作日内" not in html


def test_strict_build_keeps_old_site_on_warning(tmp_path, monkeypatch):
    data = copy_fixture(tmp_path / "data")
    build(data, tmp_path, search_index=False)
    real_load = site_build.load_dataset

    def load_with_warning(*arguments, **options):
        dataset = real_load(*arguments, **options)
        dataset.problems.append(Problem("data/departments.yaml", "departments", "a test warning",
                                        severity="warning", code="test"))
        return dataset

    monkeypatch.setattr(site_build, "load_dataset", load_with_warning)
    with pytest.raises(WenzhengError, match=r"1 warning\(s\) in strict mode during the validate phase"):
        build(data, tmp_path, search_index=False)
    assert AS_OF_LINE in page(tmp_path / "site", "")
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".site")] == []


def test_invalid_data_stops_before_site_is_touched(tmp_path):
    data = copy_fixture(tmp_path / "data")
    letter = data / "letters" / "2026" / "03" / "HF-2026-00006.yaml"
    letter.write_text(letter.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    with pytest.raises(DataError):
        build(data, tmp_path, search_index=False)
    assert not (tmp_path / "site").exists()


def test_backdated_reply_shown_when_data_in_git(tmp_path):
    data = copy_fixture(tmp_path / "repo" / "data")
    environment = {**os.environ, "GIT_AUTHOR_NAME": "clerk", "GIT_AUTHOR_EMAIL": "clerk@example.invalid",
                   "GIT_COMMITTER_NAME": "clerk", "GIT_COMMITTER_EMAIL": "clerk@example.invalid",
                   "GIT_AUTHOR_DATE": "2026-04-20T10:00:00+08:00", "GIT_COMMITTER_DATE": "2026-04-20T10:00:00+08:00"}
    letter = next(data.rglob("HF-2026-00006.yaml"))
    answered = letter.read_text(encoding="utf-8")
    # The office registers the letter on 2026-03-02; the replies are committed only on 2026-04-20.
    letter.write_text(answered.split("replies:")[0], encoding="utf-8")
    registered = {**environment, "GIT_AUTHOR_DATE": "2026-03-02T12:00:00+08:00",
                  "GIT_COMMITTER_DATE": "2026-03-02T12:00:00+08:00"}
    for command in (["init", "-q"], ["add", "data"], ["commit", "-q", "-m", "Register letters"]):
        subprocess.run(["git", "-C", str(tmp_path / "repo"), *command], check=True, env=registered)
    letter.write_text(answered, encoding="utf-8")
    for command in (["add", "data"], ["commit", "-q", "-m", "Record replies"]):
        subprocess.run(["git", "-C", str(tmp_path / "repo"), *command], check=True, env=environment)
    build(data, tmp_path, search_index=False)
    html = page(tmp_path / "site", "letters/2026/HF-2026-00006")
    assert '<span class="wz-flag">补记日期</span>' in html
    assert re.search(r"补记：记载的时间为 2026-03-03 10:00，实际录入时间为 2026-04-20 10:00，早了 \d+ 个工作日。", html)


def test_letter_file_first_version_dates_taken_as_stated(tmp_path):
    data = copy_fixture(tmp_path / "repo" / "data")
    environment = {**os.environ, "GIT_AUTHOR_NAME": "office", "GIT_AUTHOR_EMAIL": "office@example.invalid",
                   "GIT_COMMITTER_NAME": "office", "GIT_COMMITTER_EMAIL": "office@example.invalid",
                   "GIT_AUTHOR_DATE": "2026-04-20T10:00:00+08:00", "GIT_COMMITTER_DATE": "2026-04-20T10:00:00+08:00"}
    for command in (["init", "-q"], ["add", "data"], ["commit", "-q", "-m", "Import the archive"]):
        subprocess.run(["git", "-C", str(tmp_path / "repo"), *command], check=True, env=environment)
    build(data, tmp_path, search_index=False)
    assert "补记日期" not in page(tmp_path / "site", "letters/2026/HF-2026-00006")


@pytest.mark.parametrize("source, target, expected", [
    ("index.md", "letters/2026/HF-2026-00001.md", "letters/2026/HF-2026-00001/"),
    ("letters/2026/HF-2026-00001.md", "departments/town-a.md", "../../../departments/town-a/"),
    ("letters/month/2026-03/index.md", "letters/month/2026-03/2.md", "2/"),
    ("letters/month/2026-03/2.md", "letters/month/2026-03/index.md", "../"),
    ("departments/town-a.md", "charts/x.svg", "../../charts/x.svg"),
    ("index.md", "index.md", "./"),
])
def test_relative_url(source, target, expected):
    assert relative_url(source, target) == expected


def test_parallel_build_writes_same_site(tmp_path):
    data = copy_fixture(tmp_path / "data")
    sites = {}
    for jobs in (1, 3):
        result = build(data, tmp_path / f"jobs-{jobs}", search_index=False, jobs=jobs)
        assert result.pages == 50
        site = tmp_path / f"jobs-{jobs}" / "site"
        sites[jobs] = {path.relative_to(site).as_posix(): path.read_bytes() for path in site.rglob("*")
                       if path.is_file()}
    assert sorted(sites[3]) == sorted(sites[1])
    for name, content in sites[1].items():
        assert sites[3][name] == content, name
    assert sorted(path.name for path in tmp_path.joinpath("jobs-3").iterdir()) == [
        "docs", "docs-shard1", "docs-shard2", "site"]


@pytest.mark.parametrize("pages, expected", [
    ({2026: 14}, [("2026", "letters/2026/*/index.html")]),
    ({2025: 20_000, 2026: 20_001}, [("2026-1", "letters/2026/*[02468]/index.html"),
                                     ("2026-2", "letters/2026/*[13579]/index.html"),
                                     ("2025", "letters/2025/*/index.html")]),
    ({2026: 90_000}, [("2026-1", "letters/2026/*[05]/index.html"), ("2026-2", "letters/2026/*[16]/index.html"),
                      ("2026-3", "letters/2026/*[27]/index.html"), ("2026-4", "letters/2026/*[38]/index.html"),
                      ("2026-5", "letters/2026/*[49]/index.html")]),
])
def test_search_bundles_bound_pages_per_index(pages, expected):
    assert search.bundles(pages) == expected


def test_strict_build_goes_on_without_next_year_schedule(tmp_path, caplog):
    data = copy_fixture(tmp_path / "data")
    caplog.set_level(logging.INFO, logger="generator")
    monkey_propagate = logging.getLogger("generator").propagate
    logging.getLogger("generator").propagate = True
    try:
        build(data, tmp_path, as_of="2026-12-20T10:00", search_index=False)
    finally:
        logging.getLogger("generator").propagate = monkey_propagate
    notices = [record for record in caplog.records if "no official working-day schedule for 2027" in
               record.getMessage()]
    assert notices
    assert all(record.levelno == logging.INFO for record in notices)
    assert (tmp_path / "site" / "index.html").exists()


def test_accountability_reason_shows_denominator():
    import dataclasses

    from generator.accountability import Reason
    from generator.site.pages import accountability_reason
    from generator.stats import Figures, Rate

    figures = dataclasses.replace(Figures(), completion_rate=Rate(6, 17), satisfaction_rate=Rate(3, 10))
    assert accountability_reason(Reason("completion_rate_below", 0.8, 6 / 17), figures).endswith(
        "（实际为 35.3%，6/17）")
    assert accountability_reason(Reason("satisfaction_below", 0.6, 0.3), figures).endswith("（实际为 30.0%，3/10）")
    assert accountability_reason(Reason("red_at_least", 5, 7), figures).endswith("（实际为 7）")
