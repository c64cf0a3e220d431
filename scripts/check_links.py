#!/usr/bin/env python3
"""Check the relative links and images of the documentation.

Every relative link or image of README.md, docs/*.md and
credit_management/static/description/index.html (when it exists) must point to a
file or folder of the repository, and an anchor (#section) to a heading of the
Markdown file it names (GitHub's anchors) or to an id of the HTML file it names.
Links with a scheme (https:, mailto:) are not fetched.

Usage: scripts/check_links.py [FILE ...]   (exit status 1 when a link is broken)
"""

import functools
import re
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = [
    "README.md",
    "docs/*.md",
    "credit_management/static/description/index.html",
]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target "title") and ![alt](target); text may hold one level of brackets
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


class _HtmlRefs(HTMLParser):
    """The href/src attributes and the ids of an HTML file (or of the HTML in a
    Markdown file)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs = []
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.refs.append((self.getpos()[0], value))
            elif name in ("id", "name") and value:
                self.ids.add(value)


def _html_refs(text):
    parser = _HtmlRefs()
    parser.feed(text)
    parser.close()
    return parser


def github_slug(heading):
    """The anchor GitHub gives a Markdown heading (before de-duplication)."""
    text = CODE_SPAN.sub(lambda m: m.group(0).strip("`").strip(), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    text = re.sub(r"(\*\*|__|\*|_(?=\W|$)|(?<=\W)_)", "", text)  # emphasis
    text = text.strip().lower()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "-_ " or category[0] in "LN" or category == "Mn":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def _markdown_lines(text):
    """The lines of a Markdown text outside fenced code blocks, numbered."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is None:
            yield number, line


def markdown_anchors(path):
    anchors, seen = set(), {}
    text = path.read_text(encoding="utf-8")
    for _number, line in _markdown_lines(text):
        match = HEADING.match(line)
        if not match:
            continue
        slug = github_slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if not count else f"{slug}-{count}")
    anchors |= _html_refs(text).ids
    return anchors


def markdown_links(path):
    """(line, target) of every link and image of a Markdown file, code excluded."""
    text = path.read_text(encoding="utf-8")
    links = []
    for number, line in _markdown_lines(text):
        line = CODE_SPAN.sub("", line)
        for match in INLINE_LINK.finditer(line):
            links.append((number, match.group(1).strip("<>")))
        match = REFERENCE_DEF.match(line)
        if match:
            links.append((number, match.group(1).strip("<>")))
        for _pos, ref in _html_refs(line).refs:
            links.append((number, ref))
    return links


def html_links(path):
    return _html_refs(path.read_text(encoding="utf-8")).refs


@functools.cache
def anchors_of(path):
    if path.suffix.lower() == ".md":
        return markdown_anchors(path)
    if path.suffix.lower() in (".html", ".htm"):
        return _html_refs(path.read_text(encoding="utf-8")).ids
    return None  # anchors of other files are not checked


def check_file(path):
    """The broken links of one file, as messages."""
    links = html_links(path) if path.suffix == ".html" else markdown_links(path)
    errors = []
    for number, target in links:
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or target.startswith("//"):
            continue  # external: not fetched
        where = f"{path.relative_to(ROOT)}:{number}: {target}"
        file_part = unquote(parts.path)
        linked = (path.parent / file_part).resolve() if file_part else path
        if file_part:
            try:
                linked.relative_to(ROOT)
            except ValueError:
                errors.append(f"{where}: points outside the repository")
                continue
            if not linked.exists():
                errors.append(f"{where}: no such file")
                continue
        if parts.fragment:
            if linked.is_dir():
                continue
            anchors = anchors_of(linked)
            if anchors is not None and unquote(parts.fragment) not in anchors:
                errors.append(
                    f"{where}: no heading with the anchor #{parts.fragment}"
                    f" in {linked.relative_to(ROOT)}"
                )
    return len(links), errors


def main(argv):
    patterns = argv or DEFAULT_FILES
    files = []
    for pattern in patterns:
        matches = sorted(ROOT.glob(pattern)) if "*" in pattern else [ROOT / pattern]
        files += [f for f in matches if f.is_file()]
    checked, errors = 0, []
    for path in files:
        count, file_errors = check_file(path)
        checked += count
        errors += file_errors
    for error in errors:
        print(error, file=sys.stderr)
    print(
        f"check_links: {checked} links in {len(files)} files, {len(errors)} broken",
        file=sys.stderr if errors else sys.stdout,
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
