"""The parts of digitnet and how they may depend on each other: the lesson engine stands on
its own, drawing, files and export sit beside it, the app's support above them, and nothing
under digitnet/ imports Streamlit. Pages stay thin."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "digitnet"
PLOTTING = {"plotly", "altair", "matplotlib", "vega_datasets"}


def imported(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved to their full names."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = f"{base}.{node.module}" if node.level and node.module else node.module or base
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def modules(part: str) -> list[Path]:
    return sorted((PACKAGE / part).rglob("*.py"))


def packages(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if (p / "__init__.py").exists()}


def test_the_parts_are_there():
    assert packages(PACKAGE) == {"lesson", "drawing", "files", "export", "app_support"}
    assert packages(PACKAGE / "app_support") == {"session", "views", "serving", "storage"}
    assert [p.name for p in (PACKAGE / "app_support").glob("*.py")] == ["__init__.py"]  # its modules: in folders


def test_the_nine_pages_are_at_the_top_of_pages_and_their_parts_below():
    pages = {p.stem for p in (ROOT / "pages").glob("*.py")} - {"__init__"}
    assert pages == {"home", "data", "train", "weights", "draw", "my_digits", "step", "experiments", "class"}
    assert packages(ROOT / "pages") == {"shared", "parts"}


def test_each_module_name_is_used_once():
    names = [p.name for p in ROOT.rglob("*.py") if ".venv" not in p.parts and p.name != "__init__.py"]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_under_digitnet_imports_streamlit(path):
    assert not {name for name in imported(path) if name.split(".")[0] == "streamlit"}


@pytest.mark.parametrize("path", modules("lesson"), ids=lambda p: p.name)
def test_the_lesson_engine_imports_no_plotting_and_no_app_support(path):
    names = imported(path)
    assert not {name for name in names if name.split(".")[0] in PLOTTING}
    assert not {name for name in names if name.startswith(("digitnet.app_support", "digitnet.drawing"))}


@pytest.mark.parametrize("path", modules("drawing") + modules("files") + modules("export"), ids=lambda p: p.name)
def test_drawing_files_and_export_import_no_app_support(path):
    assert not {name for name in imported(path) if name.startswith("digitnet.app_support")}
    assert not {name for name in imported(path) if name.split(".")[0] in PLOTTING}


@pytest.mark.parametrize("path", sorted((ROOT / "pages").rglob("*.py")), ids=lambda p: p.name)
def test_pages_are_thin(path):
    assert len(path.read_text().splitlines()) <= 200


def test_app_is_short():
    assert len((ROOT / "app.py").read_text().splitlines()) < 40


def test_the_resolver_sees_relative_imports():
    assert "digitnet.lesson.models.build_model" in imported(PACKAGE / "lesson" / "steps.py")
    assert "digitnet.errors" in imported(PACKAGE / "lesson" / "run.py")
