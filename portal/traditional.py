"""The Traditional Chinese catalogue (繁體中文, ``zh_Hant``), made from the Simplified one.

Every user-facing string is written in English and translated once, into Simplified Chinese
(``locale/zh_Hans``); the Traditional catalogue is that translation converted by OpenCC with
Hong Kong usage (``s2hk``, for the buyers of Hong Kong and Macau), so the two never drift apart.
Only the translations (``msgstr``) are converted: the English ``msgid`` stay as they are, and
placeholders such as ``%(name)s`` are ASCII, which OpenCC leaves alone.

``manage.py make_traditional_catalogue`` (``make messages``) rewrites ``locale/zh_Hant`` and
compiles it; the compiled catalogue is committed like the Simplified one.
"""

from __future__ import annotations

import re
from pathlib import Path

# msgstr "…", msgstr[0] "…", and the continuation lines "…" that follow either.
_MSGSTR = re.compile(r"^msgstr(\[\d+\])? ")
_QUOTED = re.compile(r'^(msgstr(?:\[\d+\])? )?(".*")$')
HEADER_CHANGES = (
    ("Language-Team: Simplified Chinese", "Language-Team: Traditional Chinese"),
    ("Language: zh_Hans", "Language: zh_Hant"),
)
FIRST_LINE = (
    "# Traditional Chinese translation of the Consumption Assistance Portal, made from the "
    "Simplified one by portal.traditional (manage.py make_traditional_catalogue): do not edit."
)


def convert_catalogue(simplified: str, convert) -> str:
    """The ``.po`` text ``simplified`` with every translation passed through ``convert`` (a
    function of one string) and the header naming Traditional Chinese."""
    lines = []
    in_msgstr = False
    for line in simplified.splitlines():
        if line.startswith("msgstr"):
            in_msgstr = bool(_MSGSTR.match(line))
        elif not line.startswith('"'):
            in_msgstr = False
        if in_msgstr:
            match = _QUOTED.match(line)
            if match:
                line = (match.group(1) or "") + convert(match.group(2))
        lines.append(line)
    text = "\n".join(lines) + "\n"
    for old, new in HEADER_CHANGES:
        text = text.replace(old, new, 1)
    if text.startswith("# "):
        text = FIRST_LINE + text[text.index("\n") :]
    return text


def opencc_converter():
    """OpenCC's Simplified → Traditional (Hong Kong) conversion (a development dependency)."""
    from opencc import OpenCC

    return OpenCC("s2hk").convert


def write_traditional_catalogue(locale_dir: Path) -> Path:
    source = locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po"
    target = locale_dir / "zh_Hant" / "LC_MESSAGES" / "django.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        convert_catalogue(source.read_text(encoding="utf-8"), opencc_converter()),
        encoding="utf-8",
    )
    return target
