#!/usr/bin/env python3
"""Merge translations into a .po file, in the order of its .pot template.

    .venv/bin/python scripts/i18n_merge.py TEMPLATE.pot LANG.po [DONE.json ...]
        [--output OUT.po] [--check]

TEMPLATE.pot is the template exported from a database with the addon installed
(``python -m odoo i18n export ... -o <addon>/i18n/<addon>.pot``). LANG.po is the current
translation; it may not exist yet (a new language): its header is then built from the
language code in the file name. Each DONE.json is an object {msgid: msgstr}.

The result has exactly the entries of the template, in the template's order, with
the template's references and comments (so it never carries stale ones): the
translation of an entry comes from the last JSON file that has it, else from LANG.po.
Entries of LANG.po that the template no longer has are dropped, fuzzy translations are
not reused. The result is written to LANG.po unless --output is given. With --check,
exit 1 when an entry is left untranslated.

Uses polib (installed with Odoo's requirements).
"""

import argparse
import json
import os
import sys

import polib


def _load_json(paths):
    translations = {}
    for path in paths:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
        if not isinstance(data, dict):
            raise SystemExit(f"{path}: expected a JSON object {{msgid: msgstr}}")
        translations.update({k: v for k, v in data.items() if v})
    return translations


def _header(po_path, template):
    lang = os.path.splitext(os.path.basename(po_path))[0]
    metadata = dict(template.metadata)
    metadata.update(
        {
            "Language": lang,
            "Content-Type": "text/plain; charset=UTF-8",
            "Plural-Forms": "nplurals=1; plural=0;"
            if lang.split("_")[0] in ("zh", "ja", "ko", "vi", "th")
            else metadata.get("Plural-Forms", ""),
        }
    )
    return metadata


def merge(pot_path, po_path, json_paths, output=None):
    template = polib.pofile(pot_path, wrapwidth=78)
    existing = {}
    if os.path.exists(po_path):
        current = polib.pofile(po_path, wrapwidth=78)
        existing = {
            entry.msgid: entry.msgstr
            for entry in current
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
        }
        metadata = current.metadata
        header = current.header
    else:
        metadata = _header(po_path, template)
        header = template.header
    translations = _load_json(json_paths)

    result = polib.POFile(wrapwidth=78)
    result.header = header
    result.metadata = metadata
    sources = set()
    missing = []
    for entry in template:
        if entry.obsolete:
            continue
        sources.add(entry.msgid)
        msgstr = translations.get(entry.msgid) or existing.get(entry.msgid, "")
        if not msgstr:
            missing.append(entry.msgid)
        result.append(
            polib.POEntry(
                msgid=entry.msgid,
                msgstr=msgstr,
                comment=entry.comment,
                tcomment=entry.tcomment,
                occurrences=entry.occurrences,
                flags=[flag for flag in entry.flags if flag != "fuzzy"],
            )
        )
    result.save(output or po_path)

    unused = sorted(set(translations) - sources)
    dropped = sorted(set(existing) - sources)
    print(
        f"{output or po_path}: {len(sources) - len(missing)} of {len(sources)} "
        f"entries translated, {len(missing)} missing; {len(dropped)} obsolete "
        f"translation(s) dropped; {len(unused)} JSON key(s) not in the template."
    )
    for msgid in unused[:20]:
        print(f"  not in the template: {msgid[:100]!r}")
    for msgid in missing[:20]:
        print(f"  missing: {msgid[:100]!r}")
    return missing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pot")
    parser.add_argument("po")
    parser.add_argument("json", nargs="*")
    parser.add_argument("--output")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    missing = merge(args.pot, args.po, args.json, args.output)
    sys.exit(1 if args.check and missing else 0)


if __name__ == "__main__":
    main()
