"""The shape docs/architecture.md describes, kept by tests (issue 16).

- Data flows one way: views -> services -> models. A service or a model never reaches
  back up into a blueprint, the request or the templates, so the API, the CLI and the
  tests call services as they are.
- No module under hallapp/ grows past MAX_LINES: a file that wants banners wants splitting.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HALLAPP = ROOT / "hallapp"
MAX_LINES = 600


# What a rule-keeping layer may not import: the HTTP side of the application.
VIEW_MODULES = (
    "hallapp.blueprints",
    "hallapp.htmx",
    "hallapp.access",
    "hallapp.forms",
    "hallapp.navigation",
    "hallapp.render_cache",
    "hallapp.errors",
    "flask_wtf",
    "flask_htmx",
    "jinja2",
    "flask.templating",
    "flask.globals",
    "flask.helpers",
)
# From flask itself only the application (its config and extensions) and its type; from
# Flask-Login only the model mixin. Everything else belongs to a request or a template.
ALLOWED_NAMES = {"flask": {"current_app", "Flask"}, "flask_login": {"UserMixin"}}


def _modules(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _imports(path: Path):
    """(module, name or None, line) for every import in the file, inside functions too."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.module, alias.name, node.lineno


def _upward(module: str, name: str | None) -> bool:
    if any(module == bad or module.startswith(bad + ".") for bad in VIEW_MODULES):
        return True
    if module == "hallapp" and name in {"htmx", "access", "forms", "navigation", "errors"}:
        return True
    if module in ALLOWED_NAMES:
        return name is None or name not in ALLOWED_NAMES[module]
    return False


def test_services_and_models_never_import_views_requests_or_templates():
    found = [
        f"{_relative(path)}:{line} imports {module}{'.' + name if name else ''}"
        for path in _modules("hallapp/services", "hallapp/models")
        for module, name, line in _imports(path)
        if _upward(module, name)
    ]
    assert not found, "data flows views -> services -> models only:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("module", "name", "upward"),
    [
        ("hallapp.blueprints.queue.views", None, True),
        ("flask", "request", True),
        ("flask", "render_template", True),
        ("flask", "current_app", False),
        ("flask_login", "current_user", True),
        ("hallapp", "htmx", True),
        ("hallapp.services.live", None, False),
        ("sqlalchemy", "select", False),
    ],
)
def test_the_import_rule_tells_views_from_rules(module, name, upward):
    assert _upward(module, name) is upward


def test_no_module_is_over_the_limit():
    sizes = {_relative(path): _line_count(path) for path in _modules("hallapp")}
    over = sorted(f"{path} ({lines} lines)" for path, lines in sizes.items() if lines > MAX_LINES)
    assert not over, f"over {MAX_LINES} lines; split along its banners: {over}"
