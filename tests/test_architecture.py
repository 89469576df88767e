"""The one-way arrows of docs/architecture.md, checked on every import in bot/ and storage/.

Every `import` and `from … import` counts, at any depth (a lazy import inside a function or
under TYPE_CHECKING is still an arrow). A rule names the importing package and what it may
not import; `allowed` carves out the exact exceptions the architecture documents.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Modules that do I/O, read clocks or draw randomness: never in the pure domain.
IO_MODULES = (
    "asyncio", "httpx", "telegram", "sqlite_utils", "sqlite3", "pydantic", "websockets",
    "starlette", "uvicorn", "nacl", "socket", "os", "pathlib", "io", "subprocess", "threading",
    "time", "random", "logging", "storage",
)
# The composition root and feature wiring: imported by nothing below them.
COMPOSITION = ("bot.app", "bot.features", "bot.demo", "bot.cli", "bot.admin")


@dataclass(frozen=True)
class Rule:
    importer: str  # a package (or module) prefix
    forbidden: tuple[str, ...]  # module prefixes it may not import …
    allowed: tuple[str, ...] = ()  # … except these (more specific) prefixes
    why: str = ""
    exempt: tuple[str, ...] = ()  # sub-packages of the importer that have their own rule


RULES = (
    Rule("bot.domain", ("bot", *IO_MODULES), ("bot.domain", "bot.errors"),
         "the domain is pure: no I/O, no other bot package (bot.errors is the plain error tree)"),
    Rule("bot.handlers", ("storage", "sqlite_utils", "sqlite3", *COMPOSITION), (),
         "handlers reach storage only through services"),
    Rule("bot.services", ("bot.handlers", "telegram", *COMPOSITION), (),
         "services are free of Telegram and never call up into handlers",
         exempt=("bot.services.delivery",)),
    Rule("bot.services.delivery", ("bot.handlers", "storage", *COMPOSITION), (),
         "delivery is the one send path (it alone may speak Telegram) and owns no storage"),
    Rule("storage", ("bot",), ("bot.domain",),
         "storage knows only the domain records it stores"),
    Rule("bot.paper", ("bot", "storage"),
         ("bot.paper", "bot.domain", "bot.timing", "bot.orderly.signing", "bot.orderly.jsoncodec",
          "storage.files"),
         "the paper exchange uses domain maths, the clock, verifies signatures and JSON like "
         "Orderly does and keeps its state file private (storage.files); nothing else"),
    Rule("bot.orderly", ("bot", "storage"),
         ("bot.orderly", "bot.domain", "bot.timing", "bot.errors"),
         "the exchange client knows the domain models and nothing of the desk"),
    Rule("bot.botapi", ("bot", "storage"), ("bot.botapi", "bot.timing"),
         "the Bot API emulator is a stand-in for Telegram, not part of the bot"),
    Rule("bot.runtime", ("bot", "storage"), ("bot.runtime",),
         "runtime pieces are leaves: bot.config uses them, so they import nothing of bot"),
)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    importer: str
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported} ({self.why})"


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the tree; `from a import b` yields a.b too,
    since b may be a module."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def check_tree(root: Path, rules: tuple[Rule, ...] = RULES) -> list[Violation]:
    out: list[Violation] = []
    for top in ("bot", "storage"):
        for path in sorted((root / top).rglob("*.py")):
            module = module_name(root, path)
            tree = ast.parse(path.read_text(), str(path))
            for line, imported in imports_of(tree, module, path.name == "__init__.py"):
                for rule in rules:
                    if not _under(module, rule.importer) or any(
                        _under(module, e) for e in rule.exempt
                    ):
                        continue
                    if any(_under(imported, f) for f in rule.forbidden) and not any(
                        _under(imported, a) for a in rule.allowed
                    ):
                        out.append(Violation(str(path.relative_to(root)), line, module, imported,
                                             rule.why))
    return sorted(set(out), key=lambda v: (v.path, v.line, v.imported))


def test_the_house_keeps_its_one_way_arrows() -> None:
    violations = check_tree(ROOT)
    assert not violations, "\n".join(map(str, violations))


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_checker_finds_each_kind_of_forbidden_import(tmp_path: Path) -> None:
    _write(tmp_path, "bot/domain/ok.py", "from decimal import Decimal\nfrom bot.errors import X\n")
    _write(tmp_path, "bot/domain/io.py", "import httpx\n")
    _write(tmp_path, "bot/domain/up.py", "def f():\n    from bot.services.trading import orders\n")
    _write(tmp_path, "bot/handlers/account/history.py", "from storage.audit import AuditEntry\n")
    _write(tmp_path, "bot/handlers/fine.py", "from bot.services.desk.books import ChatBook\n")
    _write(tmp_path, "storage/chats.py", "from bot.services.monitor import alerts\n")
    _write(tmp_path, "storage/records.py", "from bot.domain.records import ChatSettings\n")
    _write(tmp_path, "bot/paper/engine.py", "from bot.handlers import fmt\n")
    _write(tmp_path, "bot/paper/ws.py",
           "from bot.orderly.signing import verify\nfrom . import engine\n")
    _write(tmp_path, "bot/services/monitor/alerts.py", "from telegram import Bot\n")
    _write(tmp_path, "bot/services/delivery/notifier.py", "from telegram import Bot\n")
    found = {(v.path, v.imported) for v in check_tree(tmp_path)}
    assert found == {
        ("bot/domain/io.py", "httpx"),
        ("bot/domain/up.py", "bot.services.trading"),
        ("bot/domain/up.py", "bot.services.trading.orders"),
        ("bot/handlers/account/history.py", "storage.audit"),
        ("bot/handlers/account/history.py", "storage.audit.AuditEntry"),
        ("storage/chats.py", "bot.services.monitor"),
        ("storage/chats.py", "bot.services.monitor.alerts"),
        ("bot/paper/engine.py", "bot.handlers"),
        ("bot/paper/engine.py", "bot.handlers.fmt"),
        ("bot/services/monitor/alerts.py", "telegram"),
        ("bot/services/monitor/alerts.py", "telegram.Bot"),
    }


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    _write(tmp_path, "bot/domain/__init__.py", "from ..services import x\n")
    _write(tmp_path, "bot/domain/pure.py", "from . import models\n")
    found = {(v.path, v.imported) for v in check_tree(tmp_path)}
    assert found == {("bot/domain/__init__.py", "bot.services"),
                     ("bot/domain/__init__.py", "bot.services.x")}
