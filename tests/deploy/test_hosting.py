"""What a host needs: files Hugging Face takes without LFS, its front matter, and the settings Streamlit reads."""

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


def test_the_readme_tells_spaces_to_build_the_image_and_where_it_serves():
    """Hugging Face deprecated its Streamlit SDK: a Streamlit app is a Docker Space."""
    front = ROOT.joinpath("README.md").read_text().split("---\n")[1]
    fields = dict(line.split(": ", 1) for line in front.strip().splitlines())
    assert fields["sdk"] == "docker" and fields["app_port"] == "8501"
    dockerfile = ROOT.joinpath("Dockerfile").read_text()
    assert f"EXPOSE {fields['app_port']}" in dockerfile and "--server.port" not in dockerfile  # Streamlit's 8501


def test_the_streamlit_config_caps_uploads_and_sends_no_statistics():
    config = tomllib.loads(ROOT.joinpath(".streamlit", "config.toml").read_text())
    assert 1 <= config["server"]["maxUploadSize"] <= 10
    assert config["browser"]["gatherUsageStats"] is False
