#!/usr/bin/env python3
"""Fill an app's Chinese catalogue from a JSON object {msgid: msgstr} (plural: [one, other]).

    driverhome messages drivers            # refresh the .po from the code
    python scripts/translate.py drivers < zh.json
    python scripts/translate.py drivers --missing   # list what is still untranslated
    driverhome messages drivers --compile-only

Entries not named in the JSON are left as they are; fuzzy flags are cleared on
entries it fills.
"""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "src" / "driverhome"


def main() -> int:
    app = sys.argv[1]
    path = ROOT / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    if "--missing" in sys.argv:
        for entry in po:
            if entry.obsolete:
                continue
            if not entry.translated() or "fuzzy" in entry.flags:
                print(json.dumps(entry.msgid, ensure_ascii=False))
        return 0
    mapping = json.load(sys.stdin)
    filled = 0
    for entry in po:
        if entry.msgid in mapping:
            value = mapping[entry.msgid]
            if entry.msgid_plural:
                values = value if isinstance(value, list) else [value, value]
                entry.msgstr_plural = {0: values[-1]}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            filled += 1
    po.metadata.setdefault("Language", "zh_Hans")
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    print(
        f"{app}: filled {filled}; untranslated left: {len([e for e in po if not e.obsolete and not e.translated()])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
