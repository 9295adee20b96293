"""The built site in a real headless Chromium: lights, rates, the as-of line, search and injection attempts."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.site import search as site_search
from generator.site.build import build_site

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parent / "fixtures" / "site"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AS_OF = dt.datetime(2026, 3, 31, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
AS_OF_LINE = "数据截至 2026-03-31 18:00（UTC+8）"
INJECTED_TITLE = "<script>window.__pwned=1</script>人行道井盖破损 **加粗** {{ config.site_name }}"
WAIT_SECONDS = 20


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        pass


def require_browser() -> None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            message = f"{path} not found; install Debian's chromium and chromium-driver"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    work = tmp_path_factory.mktemp("browser")
    data = shutil.copytree(FIXTURE, work / "data")
    # Five search bundles for the fixture's 14 letters, so every search runs Pagefind's mergeIndex.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site_search, "MAX_PAGES", 5)
        build_site(data, work / "site", as_of=AS_OF, strict=True, docs_dir=work / "docs")
    assert len(list((work / "site" / "pagefind").iterdir())) == 5
    handler = functools.partial(QuietHandler, directory=str(work / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--user-data-dir={profile}", "--window-size=1280,1600"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def open_page(browser, site_url: str, path: str):
    browser.get(site_url + path)
    return browser


def text_of(browser, selector: str) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, selector).text


def search(browser, query: str) -> str:
    """Type ``query`` into the header search box; return the text of the result panel once it shows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = browser.find_element(By.CSS_SELECTOR, ".md-header input[type=search]")
    box.click()
    box.clear()
    box.send_keys(query)
    panel = browser.find_element(By.CSS_SELECTOR, ".wz-search__results")
    WebDriverWait(browser, WAIT_SECONDS).until(lambda _: panel.is_displayed() and panel.text.strip())
    return panel.text


def test_home_page_shows_lights_rates_and_as_of(browser, site_url):
    open_page(browser, site_url, "")
    body = text_of(browser, "article")
    assert AS_OF_LINE in body
    assert "90.9%（10/11）" in text_of(browser, ".wz-card table")
    assert text_of(browser, ".wz-card .wz-lights").startswith("绿灯 4 黄灯 2 红灯 3")
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "home.png"))


def test_home_page_shows_staleness_warning(browser, site_url):
    open_page(browser, site_url, "")
    assert text_of(browser, ".wz-stale").startswith("本页数据已超过36小时未更新")


def test_letter_page_shows_light_and_reason(browser, site_url):
    open_page(browser, site_url, "letters/2026/HF-2026-00008/")
    assert AS_OF_LINE in text_of(browser, ".wz-asof")
    assert text_of(browser, ".wz-status .wz-light") == "黄灯"
    assert "已有效申请延期至 2026-04-20" in text_of(browser, ".wz-why")


def test_department_page_shows_rates_with_denominators(browser, site_url):
    open_page(browser, site_url, "departments/town-dongcheng/")
    body = text_of(browser, "article")
    assert AS_OF_LINE in body
    assert "100.0%（6/6）" in body
    assert text_of(browser, "article table tbody tr td:nth-child(6)").startswith("3 / 1 / 0")


def test_search_finds_letter_by_title_word(browser, site_url):
    open_page(browser, site_url, "")
    results = search(browser, "路灯")
    assert "东城镇幸福路路灯长期不亮" in results


def test_search_finds_letter_by_body_word(browser, site_url):
    open_page(browser, site_url, "departments/")
    results = search(browser, "冰箱")
    assert "南塘村电压不稳家电损坏" in results


def test_injected_letter_shows_text_as_typed(browser, site_url):
    open_page(browser, site_url, "letters/2026/HF-2026-00012/")
    assert text_of(browser, "article.wz-letter h1") == INJECTED_TITLE
    body = text_of(browser, "article.wz-letter .wz-text")
    assert '<img src=x onerror="window.__pwned=1">\n[x](javascript:window.__pwned=1)\n# 不是标题' in body
    assert browser.execute_script("return typeof window.__pwned") == "undefined"


def test_injected_letter_in_search_results_stays_text(browser, site_url):
    open_page(browser, site_url, "")
    results = search(browser, "井盖")
    assert INJECTED_TITLE in results
    assert browser.execute_script("return document.querySelectorAll('.wz-search__results img, "
                                  ".wz-search__results script').length") == 0
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
