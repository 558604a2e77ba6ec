#!/usr/bin/env python3
"""Write each module's README.rst from its readme/*.md fragments (OCA layout).

`--check` exits 1 when a README.rst is not what the fragments give.
"""

import ast
import sys
from pathlib import Path

ADDONS = Path(__file__).resolve().parent.parent / "addons"
SECTIONS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
    ("CONTRIBUTORS.md", "Contributors"),
]


def heading(text, char):
    return f"{text}\n{char * len(text)}\n"


def render(module_dir):
    manifest = ast.literal_eval((module_dir / "__manifest__.py").read_text())
    title = manifest["name"]
    parts = [
        "=" * len(title) + "\n" + title + "\n" + "=" * len(title) + "\n",
        f"*{manifest['summary']}*\n",
        f"Version {manifest['version']}, license {manifest['license']}.\n",
        ".. contents::\n   :local:\n",
    ]
    for filename, section in SECTIONS:
        fragment = module_dir / "readme" / filename
        if not fragment.exists():
            continue
        if section:
            parts.append(heading(section, "="))
        parts.append(fragment.read_text().strip() + "\n")
    return "\n".join(parts)


def main():
    check = "--check" in sys.argv
    stale = []
    for module_dir in sorted(p for p in ADDONS.iterdir() if (p / "__manifest__.py").exists()):
        text = render(module_dir)
        target = module_dir / "README.rst"
        if target.exists() and target.read_text() == text:
            continue
        if check:
            stale.append(str(target))
        else:
            target.write_text(text)
    if stale:
        print("README.rst out of date (run scripts/gen_readme.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
