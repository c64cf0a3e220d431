#!/usr/bin/env python3
"""Generate each addon's README.rst from its readme/*.md fragments, in the shape of
OCA's oca-gen-addon-readme (which is not on PyPI): title, badges, description, table
of contents, configuration, usage, changelog, bug tracker, credits (authors,
contributors, maintainers).

    scripts/gen_readme.py [ADDON ...]           write README.rst
    scripts/gen_readme.py --check [ADDON ...]   fail when README.rst is not what the
                                                fragments give, or when docutils reports
                                                any warning or error rendering it

The fragments are written in a small subset of Markdown: paragraphs, ``-``/``*`` and
``1.`` lists (nested by indentation), ``###`` headings, fenced code blocks,
``**bold**``, ``*italic*``, ```code``` and ``[text](url)`` links. Anything else
is passed through as text; the docutils check catches what would not render.
Run it with a Python that has docutils for --check (Odoo's virtualenv has it).
"""

import argparse
import ast
import hashlib
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ["credit_management", "credit_management_stock"]
REPOSITORY = "credit-management/credit_management"
BRANCH = "19.0"
# (fragment, section title), in OCA's order.
SECTIONS = [
    ("CONTEXT", "Use Cases / Context"),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("DEVELOP", "Development"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
]
STATUS_COLOURS = {
    "Alpha": "red",
    "Beta": "yellow",
    "Production/Stable": "green",
    "Mature": "brightgreen",
}
LICENSES = {
    "LGPL-3": ("LGPL--3", "http://www.gnu.org/licenses/lgpl-3.0-standalone.html"),
    "AGPL-3": ("AGPL--3", "http://www.gnu.org/licenses/agpl-3.0-standalone.html"),
}


# --- Markdown (the subset above) to reStructuredText ---------------------------------
def _inline(text):
    """Inline markup: code first (its content is literal), then links, bold, italic."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 2:
            out.append(f"``{part[1:-1]}``")
            continue
        # A trailing underscore makes a word a reference in rst: escape it.
        part = re.sub(r"(?<=\w)_(?=\s|$|[.,;:)])", r"\\_", part)
        part = re.sub(r"\|", r"\\|", part)
        part = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"`\1 <\2>`__", part)
        out.append(part)
    text = "".join(out)

    # Emphasis and strong emphasis followed by a letter need an escaped space in rst
    # ("**x**s" -> "**x**\\ s"), and so does a literal preceded or followed by one.
    def _end(match):
        after = text[match.end() : match.end() + 1]
        before = text[match.start() - 1 : match.start()] if match.start() else ""
        token = match.group(0)
        if before and (before.isalnum() or before == "_"):
            token = "\\ " + token
        if after and (after.isalnum() or after == "_"):
            token += "\\ "
        return token

    return re.sub(r"``[^`]+``|\*\*[^*\s][^*]*?\*\*|\*[^*\s][^*]*?\*", _end, text)


def md_to_rst(markdown, heading_char="~"):
    lines = markdown.rstrip("\n").split("\n")
    list_item = re.compile(r"^(\s*)([-*]|\d+\.)\s+(.*)$")
    out = []
    # Open lists: (Markdown indentation of the marker, rst column of the item's text,
    # width of its bullet); the column of the last item written (None after text).
    stack = []
    last_item = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.startswith("```"):
            block = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                block.append(lines[i])
                i += 1
            i += 1
            out += ["", "::", ""] + [f"    {b}" if b.strip() else "" for b in block]
            stack = []
            last_item = None
            continue
        heading = re.match(r"^#{1,6}\s+(.*)$", line)
        if heading:
            title = _inline(heading.group(1).strip())
            out += ["", title, heading_char * len(title)]
            stack = []
            last_item = None
            i += 1
            continue
        item = list_item.match(line)
        if item:
            indent, marker, text = item.groups()
            md_indent = len(indent)
            while stack and stack[-1][0] > md_indent:
                stack.pop()
            if stack and stack[-1][0] == md_indent:
                column = stack[-1][1] - stack[-1][2]
                stack.pop()
            else:
                column = stack[-1][1] if stack else 0
            bullet = "-" if marker in "-*" else "#."
            stack.append((md_indent, column + len(bullet) + 1, len(bullet) + 1))
            body = [text.strip()]
            i += 1
            while (
                i < len(lines)
                and lines[i].strip()
                and not list_item.match(lines[i])
                and len(lines[i]) - len(lines[i].lstrip()) > md_indent
            ):
                body.append(lines[i].strip())
                i += 1
            # Items of one list follow each other; a nested list, and the text
            # after it, start after a blank line.
            if last_item != column:
                out.append("")
            last_item = column
            out.append(" " * column + f"{bullet} {_inline(body[0])}")
            out += [" " * (column + len(bullet) + 1) + _inline(b) for b in body[1:]]
            continue
        # A paragraph, indented under the open list item when it is indented.
        md_indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= md_indent:
            stack.pop()
        column = stack[-1][1] if stack else 0
        para = [line.strip()]
        i += 1
        while (
            i < len(lines)
            and lines[i].strip()
            and not list_item.match(lines[i])
            and not lines[i].startswith(("```", "#"))
        ):
            para.append(lines[i].strip())
            i += 1
        out.append("")
        out += [" " * column + _inline(p) for p in para]
        last_item = None
    return "\n".join(out).strip("\n") + "\n\n"


# --- README.rst -----------------------------------------------------------------------
def _manifest(addon_dir):
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text())


def _fragments(addon_dir):
    fragments = {}
    for path in sorted((addon_dir / "readme").glob("*.md")):
        fragments[path.stem] = path.read_text()
    return fragments


def generate(addon):
    addon_dir = ROOT / addon
    manifest = _manifest(addon_dir)
    fragments = _fragments(addon_dir)
    if "DESCRIPTION" not in fragments:
        sys.exit(f"{addon}/readme/DESCRIPTION.md is missing")
    digest = hashlib.sha256(
        repr(sorted(fragments.items())).encode()
        + repr(sorted(manifest.items())).encode()
    ).hexdigest()[:32]
    name = manifest["name"]
    status = manifest.get("development_status", "Beta")
    badges = [
        (
            (
                f"https://img.shields.io/badge/maturity-{status.replace('/', '%2F')}"
                f"-{STATUS_COLOURS.get(status, 'lightgrey')}.png"
            ),
            "https://odoo-community.org/page/development-status",
            status,
        )
    ]
    if manifest.get("license") in LICENSES:
        label, url = LICENSES[manifest["license"]]
        badges.append(
            (
                f"https://img.shields.io/badge/licence-{label}-blue.png",
                url,
                f"License: {manifest['license']}",
            )
        )
    shield_name = REPOSITORY.replace("-", "--").replace("/", "%2F")
    badges.append(
        (
            f"https://img.shields.io/badge/github-{shield_name}-lightgray.png?logo=github",
            f"https://github.com/{REPOSITORY}/tree/{BRANCH}/{addon}",
            REPOSITORY,
        )
    )
    out = [
        "=" * len(name),
        name,
        "=" * len(name),
        "",
        "..",
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "   !! This file is generated by scripts/gen_readme.py !!",
        "   !! from readme/*.md: changes will be overwritten.  !!",
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        f"   !! source digest: {digest}",
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "",
    ]
    for n, (image, target, alt) in enumerate(badges, 1):
        out += [
            f".. |badge{n}| image:: {image}",
            f"    :target: {target}",
            f"    :alt: {alt}",
        ]
    out += ["", " ".join(f"|badge{n}|" for n in range(1, len(badges) + 1)), ""]
    out += [md_to_rst(fragments["DESCRIPTION"]), "**Table of contents**", ""]
    out += [".. contents::", "   :local:", ""]
    for key, title in SECTIONS:
        if key in fragments:
            out += [title, "=" * len(title), "", md_to_rst(fragments[key])]
    issues = f"https://github.com/{REPOSITORY}/issues"
    feedback = (
        f"module:%20{addon}%0Aversion:%20{BRANCH}%0A%0A**Steps%20to%20reproduce**"
        "%0A-%20...%0A%0A**Current%20behavior**%0A%0A**Expected%20behavior**"
    )
    out += [
        "Bug Tracker",
        "===========",
        "",
        f"Bugs are tracked on `GitHub Issues <{issues}>`_.",
        "In case of trouble, please check there if your issue has already been",
        "reported. If you spotted it first, help us to smash it by providing a",
        f"detailed and welcomed `feedback <{issues}/new?body={feedback}>`_.",
        "",
        "Do not contact contributors directly about support or help with technical",
        "issues.",
        "",
        "Credits",
        "=======",
        "",
        "Authors",
        "~~~~~~~",
        "",
    ]
    out += [f"* {author.strip()}" for author in manifest.get("author", "").split(",")]
    out.append("")
    if "CONTRIBUTORS" in fragments:
        out += [
            "Contributors",
            "~~~~~~~~~~~~",
            "",
            md_to_rst(fragments["CONTRIBUTORS"]),
        ]
    if "CREDITS" in fragments:
        out += ["Other credits", "~~~~~~~~~~~~~", "", md_to_rst(fragments["CREDITS"])]
    out += ["Maintainers", "~~~~~~~~~~~", ""]
    maintainers = manifest.get("maintainers", [])
    for login in maintainers:
        out += [
            f".. |maintainer-{login}| image:: https://github.com/{login}.png?size=40px",
            f"    :target: https://github.com/{login}",
            f"    :alt: {login}",
        ]
    if maintainers:
        plural = "s" if len(maintainers) > 1 else ""
        out += ["", f"Current maintainer{plural}:", ""]
        out += [" ".join(f"|maintainer-{login}|" for login in maintainers), ""]
    out += [
        (
            f"This module is part of the `{REPOSITORY} "
            f"<https://github.com/{REPOSITORY}/tree/{BRANCH}/{addon}>`_ project on"
            " GitHub."
        ),
        "",
        "You are welcome to contribute.",
    ]
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def docutils_messages(text):
    """Warnings and errors docutils reports rendering ``text`` as Odoo does."""
    from docutils.core import publish_string  # noqa: PLC0415

    stream = io.StringIO()
    publish_string(
        source=text,
        writer_name="html",
        settings_overrides={
            "warning_stream": stream,
            "report_level": 2,
            "halt_level": 5,
            "file_insertion_enabled": False,
            "raw_enabled": False,
            "doctitle_xform": False,
            "output_encoding": "unicode",
        },
    )
    return stream.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("addons", nargs="*", default=ADDONS)
    args = parser.parse_args()
    failed = False
    for addon in args.addons:
        text = generate(addon)
        path = ROOT / addon / "README.rst"
        messages = docutils_messages(text)
        if messages:
            print(
                f"{addon}/README.rst does not render cleanly:\n{messages}",
                file=sys.stderr,
            )
            failed = True
        if args.check:
            if not path.exists() or path.read_text() != text:
                print(
                    f"{addon}/README.rst is not generated from {addon}/readme/: "
                    "run scripts/gen_readme.py",
                    file=sys.stderr,
                )
                failed = True
        elif not messages:
            path.write_text(text)
            print(f"wrote {addon}/README.rst")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
