"""Every link and file name in the README resolves inside the repository: relative Markdown links
(with an optional #anchor) and backticked paths such as `docs/deployment.md` or `compose.yaml`;
the docs' own relative links resolve too (their backticks name API paths, not files)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
# A backticked word is a repository file name when it has a path or a file extension we ship.
FILE_LIKE = re.compile(r"(?:[\w.-]+/)+[\w.-]*|[\w-]*\.(?:md|py|ya?ml|toml|lock|example|sh|cfg)")
RUNTIME = ("data/", ".venv/", "/")  # created at run time or absolute: not repository files


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _targets(doc: Path) -> list[str]:
    text = doc.read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks show commands, not links
    found = [m for m in LINK.findall(prose) if not re.match(r"[a-z]+:", m)]
    if doc.name == "README.md":
        found += [m for m in CODE.findall(prose)
                  if FILE_LIKE.fullmatch(m) and not m.startswith(RUNTIME)]  # fmt: skip
    return found


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.name)
def test_every_relative_link_and_file_name_exists(doc: Path) -> None:
    missing = []
    for target in _targets(doc):
        path = target.split("#", 1)[0]
        if not path:
            continue
        if not (doc.parent / path).exists():
            missing.append(target)
    assert missing == [], f"{doc.name} names files that are not in the repository: {missing}"


def test_the_readme_links_the_deployment_and_testnet_guides() -> None:
    targets = set(_targets(ROOT / "README.md"))
    assert {"docs/deployment.md", "docs/testnet.md", "docs/alert-policy.md"} <= targets
