"""English is complete: every catalogue entry is translated, the compiled catalogues match their sources, no
string in the sources is missing from the English catalogue, and English pages show no Chinese labels."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from rest_framework.test import APIClient

from gridgov.accounts.models import User
from gridgov.territory.models import Building, Grid, Region

from .factories import MiniCity

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "gridgov"
LOCALE = PACKAGE / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
EN = LOCALE / "en" / "LC_MESSAGES"

# CJK ideographs and CJK / full-width punctuation: what an untranslated Chinese label would leave behind.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
# The language switch names each language in itself.
LANGUAGE_NAMES = ("简体中文",)

Key = tuple[str | None, str]


def catalogue_id(path: Path) -> str:
    return str(path.relative_to(LOCALE))


def translations(entries: list[polib.POEntry] | list[polib.MOEntry]) -> dict[Key, object]:
    """(context, msgid) → the translation (a tuple of plural forms for plural entries)."""
    result: dict[Key, object] = {}
    for e in entries:
        if not e.msgid:  # the header
            continue
        text = tuple(e.msgstr_plural[i] for i in sorted(e.msgstr_plural)) if e.msgid_plural else e.msgstr
        result[(e.msgctxt, e.msgid)] = text
    return result


def test_there_is_a_complete_english_catalogue() -> None:
    po = polib.pofile(str(EN / "django.po"))
    assert len(po) > 100
    assert po.metadata["Language"] == "en"


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_id)
def test_every_entry_is_translated_and_none_is_fuzzy(path: Path) -> None:
    po = polib.pofile(str(path))
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_id)
def test_every_translation_keeps_the_placeholders_of_its_source(path: Path) -> None:
    wrong = []
    for e in polib.pofile(str(path)):
        wanted = set(PLACEHOLDER.findall(e.msgid + (e.msgid_plural or "")))
        for text in e.msgstr_plural.values() if e.msgid_plural else [e.msgstr]:
            if set(PLACEHOLDER.findall(text)) != wanted:
                wrong.append((e.msgid, text))
    assert wrong == []


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_id)
def test_the_committed_mo_file_matches_its_po_file(path: Path) -> None:
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.name} is missing: run bin/messages"
    committed = translations(polib.mofile(str(mo_path)))
    expected = translations(polib.pofile(str(path)))
    assert committed == expected, "the .mo file is stale: run bin/messages"


def copy_sources(target: Path) -> None:
    """The sources as bin/messages sees them: without vendored static files, tests and compiled catalogues."""
    shutil.copytree(
        PACKAGE,
        target,
        ignore=shutil.ignore_patterns("vendor", "tests", "locale", "__pycache__", "*.pyc", "*.mo"),
    )


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="GNU gettext's xgettext is not installed (apt-get install gettext)"
)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_no_string_in_the_sources_is_missing_from_the_english_catalogue(
    domain: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = tmp_path / "gridgov"
    copy_sources(sources)
    (sources / "locale").mkdir()
    monkeypatch.chdir(sources)
    with override_settings(LOCALE_PATHS=[sources / "locale"]):
        call_command("makemessages", locale=["en"], domain=domain, no_location=True, ignore_patterns=[], verbosity=0)
    extracted_path = sources / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
    extracted = set(translations(polib.pofile(str(extracted_path)))) if extracted_path.exists() else set()
    committed_path = EN / f"{domain}.po"
    committed = set(translations(polib.pofile(str(committed_path)))) if committed_path.exists() else set()
    if domain == "django":
        assert extracted, "makemessages found no strings: the check itself is broken"
    assert sorted(extracted - committed, key=str) == [], "run bin/messages and translate the new entries"


def data_names() -> list[str]:
    """Names that are data, not labels: they stay as entered whatever the language."""
    names = [*Region.objects.values_list("name", flat=True), *Grid.objects.values_list("name", flat=True)]
    names += Building.objects.values_list("name", flat=True)
    names += User.objects.values_list("display_name", flat=True)
    return sorted({n for n in names if n}, key=len, reverse=True)


def chinese_outside_data(html: str) -> set[str]:
    # json_script escapes non-ASCII characters: undo that so that labels inside JSON are checked too.
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)
    for name in [*data_names(), *LANGUAGE_NAMES]:
        text = text.replace(name, "")
    return set(CJK.findall(text))


@pytest.fixture
def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def get_english(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="en">' in html, url
    return html


def test_the_login_page_in_english(db: None, english: Client) -> None:
    html = get_english(english, "/accounts/login/")
    assert "Username" in html and "Password" in html and "Log in" in html
    assert "用户名" not in html and "密码" not in html
    assert chinese_outside_data(html) == set()


@pytest.mark.parametrize("username", ["worker", "community", "subdistrict", "district", "admin", "resident", "nobody"])
def test_the_home_page_in_english_for_every_role(city: MiniCity, english: Client, username: str) -> None:
    english.force_login(city.users[username])
    html = get_english(english, "/")
    assert "Home" in html and "Log out" in html
    assert "首页" not in html and "退出" not in html
    assert chinese_outside_data(html) == set()


def test_the_territory_map_in_english_for_a_dispatcher(city: MiniCity, english: Client) -> None:
    english.force_login(city.users["community"])
    html = get_english(english, "/territory/")
    for label in ["Territory map", "Grids in total", "Coverage check", "Comprehensive grid", "Legend"]:
        assert label in html
    for label in ["辖区地图", "行政区划", "网格总数", "覆盖检查", "综合网格", "图例"]:
        assert label not in html
    assert chinese_outside_data(html) == set()


def test_the_territory_map_of_a_large_region_in_english(city: MiniCity, english: Client) -> None:
    english.force_login(city.users["district"])
    assert chinese_outside_data(get_english(english, "/territory/?region=441302001")) == set()


def test_the_grid_page_and_its_map_card_in_english(city: MiniCity, english: Client) -> None:
    english.force_login(city.users["community"])
    html = get_english(english, "/territory/grids/441302001001001/")
    for label in ["Basic information", "Grid code", "Grid worker", "Grid head", "Households (estimate)"]:
        assert label in html
    assert "基本信息" not in html and "网格员" not in html
    assert chinese_outside_data(html) == set()
    card = english.get("/territory/grids/441302001001001/card/").content.decode()
    assert "Open the grid page" in card
    assert chinese_outside_data(card) == set()


def test_the_coverage_page_in_english(city: MiniCity, english: Client) -> None:
    english.force_login(city.users["community"])
    html = get_english(english, "/territory/coverage/441302001001/")
    assert "No gaps, no overlaps" in html and "无缺口、无重叠" not in html
    assert "Coverage check: 社区1-1" in html
    assert chinese_outside_data(html) == set()


def test_an_api_field_error_in_english(city: MiniCity, api: APIClient) -> None:
    api.force_authenticate(city.users["community"])
    body = api.get("/api/v1/locate/", {"lon": "east", "lat": "23.1"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body == {"lon": ["The longitude (lon) must be a number."]}
    body = api.get("/api/v1/locate/", {"lon": "114.4", "lat": "23.1", "crs": "mars"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert list(body) == ["crs"] and not CJK.search(str(body))


def strings_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [*strings_in(k), *strings_in(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def test_the_api_schema_in_english(city: MiniCity, api: APIClient) -> None:
    api.force_authenticate(city.users["community"])
    response = api.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Locate: the grid a point lies in" in response.content.decode()
    msgids = {e.msgid for e in polib.pofile(str(EN / "django.po")) if e.msgstr != e.msgid}
    # Descriptions written in English may gloss a term in Chinese; a text in Chinese alone is an untranslated label.
    chinese = [
        s for s in strings_in(response.json()) if s in msgids or (CJK.search(s) and not re.search("[A-Za-z]", s))
    ]
    assert chinese == []
