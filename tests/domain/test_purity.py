"""`domain` stays pure: the standard library, itself, and a few small pure libraries only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
SMALL_PURE_LIBRARIES = {
    "ahocorasick", "anyascii", "confusable_homoglyphs", "email_validator", "numpy", "pykakasi", "rapidfuzz", "wordfreq",
}  # fmt: skip


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def test_domain_imports_nothing_with_io() -> None:
    allowed = set(sys.stdlib_module_names) | SMALL_PURE_LIBRARIES | {"domain", "__future__"}
    offenders = {
        str(path.relative_to(DOMAIN)): sorted(imported_modules(path) - allowed) for path in DOMAIN.rglob("*.py")
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}
