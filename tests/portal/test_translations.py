"""The Simplified and the Traditional Chinese catalogues are complete, keep every placeholder,
and are compiled; the Traditional one is the Simplified one converted (portal.traditional).

Chinese is the portal's default language, so an empty or fuzzy entry shows English to every
user, a lost placeholder raises at render time, and a stale ``django.mo`` (it is committed,
because a fresh machine may lack GNU gettext) silently serves old text.
"""

import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from portal.traditional import convert_catalogue, opencc_converter

LOCALE = Path(settings.BASE_DIR) / "locale"
LOCALES = ("zh_Hans", "zh_Hant")


def po_path(locale: str) -> Path:
    return LOCALE / locale / "LC_MESSAGES" / "django.po"


def mo_path(locale: str) -> Path:
    return LOCALE / locale / "LC_MESSAGES" / "django.mo"


@dataclass
class Entry:
    """One message of a .po file; ``msgstr`` holds the singular, ``plurals`` msgstr[n]."""

    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: str = ""
    plurals: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    file: str = ""

    @property
    def label(self) -> str:
        return f"{self.file}:{self.line} {self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def _unquote(text: str, line: int) -> str:
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"line {line}: expected a quoted string, got {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: comments, ``#,`` flags, msgctxt, msgid, msgid_plural, msgstr,
    msgstr[n] and continuation lines. Obsolete (``#~``) entries are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # the field continuation lines extend
    pending_flags: set[str] = set()
    pending_line = 0

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            finish()  # a comment ends the entry before it
            if line.startswith("#~"):
                continue
            if line.startswith("#,"):
                pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            pending_line = pending_line or number
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"line {number}: continuation string outside an entry")
            name, index = target
            text = _unquote(line, number)
            if name == "msgstr" and index is not None:
                current.plurals[index] += text
            else:
                setattr(current, name, getattr(current, name) + text)
            continue
        match = _KEYWORD.match(line)
        if not match:
            raise ValueError(f"line {number}: cannot read {raw!r}")
        keyword, index, quoted = match.groups()
        text = _unquote(quoted, number)
        after_context = target is not None and target[0] == "msgctxt"
        if keyword == "msgctxt" or (keyword == "msgid" and not after_context):
            finish()
            current = Entry(line=pending_line or number, flags=pending_flags, file=str(path))
            pending_flags, pending_line = set(), 0
        assert current is not None
        if keyword.startswith("msgstr["):
            current.plurals[int(index)] = text
            target = ("msgstr", int(index))
        else:
            setattr(current, keyword, text)
            target = (keyword, None)
    finish()
    return entries


# %(name)s, %s, %d (and %i/%f); %% is a literal percent sign, matched so it is not misread.
_PLACEHOLDER = re.compile(r"%(?:%|\((\w+)\)[sdif]|[sdif])")


def placeholders(text: str) -> Counter:
    return Counter(m.group(0) for m in _PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def translations(entry: Entry) -> list[str]:
    return list(entry.plurals.values()) if entry.msgid_plural is not None else [entry.msgstr]


@dataclass
class Catalogue:
    locale: str
    header: Entry
    messages: list[Entry]


def read_catalogue(locale: str) -> Catalogue:
    entries = parse_po(po_path(locale))
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    return Catalogue(locale, header, [e for e in entries if e is not header])


CATALOGUES = {locale: read_catalogue(locale) for locale in LOCALES}


@pytest.fixture(params=LOCALES)
def catalogue(request) -> Catalogue:
    return CATALOGUES[request.param]


def test_the_catalogue_has_messages(catalogue):
    assert len(catalogue.messages) > 100
    keys = {(e.msgctxt, e.msgid) for e in catalogue.messages}
    assert len(keys) == len(catalogue.messages)


def test_the_header_declares_chinese_utf8_and_one_plural_form(catalogue):
    header = catalogue.header
    assert "fuzzy" not in header.flags
    assert f"Language: {catalogue.locale}\n" in header.msgstr
    assert "Content-Type: text/plain; charset=UTF-8\n" in header.msgstr
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr


def test_no_entry_is_untranslated(catalogue):
    empty = [
        e.label
        for e in catalogue.messages
        if (e.msgid_plural is not None and not e.plurals.get(0)) or not all(translations(e))
    ]
    assert not empty, f"untranslated: {empty}"


def test_plural_entries_have_exactly_the_one_chinese_form(catalogue):
    wrong = [
        e.label for e in catalogue.messages if e.msgid_plural is not None and set(e.plurals) != {0}
    ]
    assert not wrong


def test_no_entry_is_fuzzy(catalogue):
    fuzzy = [e.label for e in catalogue.messages if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_every_placeholder_survives_translation(catalogue):
    problems = []
    for e in catalogue.messages:
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        # With one plural form msgstr[0] serves every count, so it needs the plural's
        # placeholders as well as the singular's.
        wanted = Counter()
        for source in sources:
            wanted |= placeholders(source)
        for text in translations(e):
            if placeholders(text) != wanted:
                problems.append(f"{e.label}: {dict(wanted)} != {dict(placeholders(text))}")
            if "python-format" in e.flags and text.count("%%") != e.msgid.count("%%"):
                problems.append(f"{e.label}: a literal %% was lost or added")
    assert not problems, "\n".join(problems)


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    with mo_path(catalogue.locale).open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info().get("plural-forms") == "nplurals=1; plural=0;"
    stale = []
    for e in catalogue.messages:
        if e.msgid_plural is not None:
            expected = e.plurals[0]
            if e.msgctxt is not None:
                got = compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 1)
            else:
                got = compiled.ngettext(e.msgid, e.msgid_plural, 1)
        else:
            expected = e.msgstr
            if e.msgctxt is not None:
                got = compiled.pgettext(e.msgctxt, e.msgid)
            else:
                got = compiled.gettext(e.msgid)
        if got != expected:
            stale.append(f"{e.label}: .mo gives {got!r}, .po says {expected!r}")
    assert not stale, "django.mo is stale; run compilemessages:\n" + "\n".join(stale)


@pytest.mark.parametrize(
    ("msgid", "chinese"),
    [
        ("Sign in", "登录"),
        ("Sign out", "退出登录"),
        ("Consumption Assistance Portal", "消费帮扶综合服务平台"),
        ("City coordination office", "市协作办"),
    ],
)
def test_django_serves_the_chinese_catalogues(msgid, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == chinese
    with translation.override("zh-hant"):
        traditional = translation.gettext(msgid)
    assert traditional == opencc_converter()(chinese) and traditional != chinese
    with translation.override("en"):
        assert translation.gettext(msgid) == msgid


def test_the_traditional_catalogue_is_the_simplified_one_converted():
    # Regenerate with `make messages` (manage.py make_traditional_catalogue) after a change
    # to the Simplified catalogue; this fails until then.
    simplified = po_path("zh_Hans").read_text(encoding="utf-8")
    expected = convert_catalogue(simplified, opencc_converter())
    assert po_path("zh_Hant").read_text(encoding="utf-8") == expected


def test_the_conversion_touches_the_translations_only():
    text = (
        "# Simplified Chinese translation.\n"
        'msgid ""\n'
        'msgstr ""\n'
        '"Language-Team: Simplified Chinese\\n"\n'
        '"Language: zh_Hans\\n"\n'
        "\n"
        "#: a.py:1\n"
        'msgid "Invoice %(number)s"\n'
        'msgstr ""\n'
        '"发票%(number)s"\n'
        "\n"
        'msgid "%(n)s voucher"\n'
        'msgid_plural "%(n)s vouchers"\n'
        'msgstr[0] "%(n)s张凭证"\n'
    )
    converted = convert_catalogue(
        text, lambda quoted: quoted.replace("发票", "發票").replace("张凭证", "張憑證")
    )
    assert '"發票%(number)s"' in converted and '"%(n)s張憑證"' in converted
    assert 'msgid "Invoice %(number)s"' in converted
    assert "Language: zh_Hant" in converted and "Traditional Chinese" in converted
    assert converted.startswith("# Traditional Chinese translation")


def test_the_parser_reads_continuations_plurals_and_flags(tmp_path):
    po = tmp_path / "sample.po"
    po.write_text(
        'msgid ""\n'
        'msgstr ""\n'
        '"Plural-Forms: nplurals=1; plural=0;\\n"\n'
        "\n"
        "#: a.py:1\n"
        "#, fuzzy, python-format\n"
        'msgid ""\n'
        '"Long \\"quoted\\" "\n'
        '"text %(n)s"\n'
        'msgstr "长%(n)s"\n'
        "\n"
        'msgctxt "menu"\n'
        'msgid "%(n)s record"\n'
        'msgid_plural "%(n)s records"\n'
        'msgstr[0] ""\n'
        '"%(n)s条"\n'
        "\n"
        '#~ msgid "gone"\n'
        '#~ msgstr "旧"\n',
        encoding="utf-8",
    )
    header, long_entry, plural = parse_po(po)
    assert header.msgstr == "Plural-Forms: nplurals=1; plural=0;\n"
    assert long_entry.msgid == 'Long "quoted" text %(n)s'
    assert long_entry.flags == {"fuzzy", "python-format"}
    assert plural.msgctxt == "menu"
    assert plural.msgid_plural == "%(n)s records"
    assert plural.plurals == {0: "%(n)s条"}
    assert placeholders("30%% of %(x)s and %s") == Counter({"%(x)s": 1, "%s": 1})
