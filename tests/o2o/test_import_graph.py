"""Apps depend downward (DESIGN §3): o2o < stores < catalog < inventory < members < orders <
dispatch, commissions, promotions < reports, backoffice. A lower app never imports a higher
one, not even lazily inside a function; only the URL roots and demo seeding see everything.

Reads every .py of the apps with `ast` (migrations excluded: they name apps by label)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = [
    ["o2o"],
    ["stores"],
    ["catalog"],
    ["inventory"],
    ["members"],
    ["orders"],
    ["dispatch", "commissions", "promotions"],
    ["reports", "backoffice"],
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}
# Allowed to see every app: the URL roots and the demo seeding.
SEES_EVERYTHING = {"o2o/urls.py", "o2o/api_urls.py", "o2o/management/commands/seed_demo.py"}


def _sees_everything(relative: str) -> bool:
    return relative in SEES_EVERYTHING or relative.endswith("/demo.py")


def _imported_modules(tree: ast.AST):
    for node in ast.walk(tree):  # walks function bodies too: lazy imports count
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def upward_imports(root: Path = ROOT) -> list[str]:
    """Every import of a higher app by a lower one, as "path:line app -> module"."""
    found = []
    for app, level in LEVEL.items():
        if not (root / app).is_dir():
            continue  # an app of a later issue
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if "/migrations/" in relative or _sees_everything(relative):
                continue
            for line, module in _imported_modules(ast.parse(path.read_text(), relative)):
                target = module.split(".")[0]
                if LEVEL.get(target, -1) > level:
                    found.append(f"{relative}:{line} {app} -> {module}")
    return found


def test_no_app_imports_an_app_above_it():
    assert upward_imports() == []


def test_the_check_sees_lazy_imports_and_allows_only_the_url_roots_and_demo_seeding(tmp_path):
    files = {
        "stores/admin.py": "def act():\n    from members.services import binding\n",
        "catalog/views.py": "import orders.views\n",
        "members/services/tiers.py": "from orders.models import Order\n",
        "orders/views.py": "from members.models import Member\n",
        "o2o/urls.py": "from backoffice import urls\n",
        "catalog/demo.py": "from orders.models import Order\n",
        "catalog/migrations/0002_x.py": "from orders.models import Order\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    assert upward_imports(tmp_path) == [
        "stores/admin.py:2 stores -> members.services",
        "catalog/views.py:1 catalog -> orders.views",
        "members/services/tiers.py:1 members -> orders.models",
    ]
