"""What a deployment needs: files Hugging Face takes without LFS, and the settings it reads."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SKIPPED = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}
TEN_MB = 10 * 1000 * 1000


def test_every_file_is_under_ten_megabytes():
    files = [p for p in ROOT.rglob("*") if p.is_file() and not SKIPPED & set(p.relative_to(ROOT).parts)]
    assert len(files) > 50
    too_big = {str(p.relative_to(ROOT)): p.stat().st_size for p in files if p.stat().st_size >= TEN_MB}
    assert too_big == {}


def test_the_readme_tells_spaces_what_to_run():
    front = ROOT.joinpath("README.md").read_text().split("---\n")[1]
    fields = dict(line.split(": ", 1) for line in front.strip().splitlines())
    assert fields["sdk"] == "streamlit" and fields["app_file"] == "app.py"
    assert fields["python_version"] == '"3.11"'
    assert ROOT.joinpath(fields["app_file"]).is_file()


def test_the_streamlit_config_caps_uploads_and_sends_no_statistics():
    config = tomllib.loads(ROOT.joinpath(".streamlit", "config.toml").read_text())
    assert 1 <= config["server"]["maxUploadSize"] <= 10
    assert config["browser"]["gatherUsageStats"] is False
