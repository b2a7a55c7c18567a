import pytest

from digitnet.files.destination import check_writable


class Refused(Exception):
    pass


@pytest.mark.parametrize(("name", "says"), [
    ("absent/model.safetensors", "no such folder to save the model in"),
    ("a folder", "is a folder; give the name of a file to save the model to"),
    ("9" * 300 + ".safetensors", "cannot be a file name here (File name too long)"),
])
def test_a_path_that_cannot_take_the_file_is_refused_with_the_callers_error(tmp_path, name, says):
    (tmp_path / "a folder").mkdir()
    with pytest.raises(Refused, match=says.replace("(", r"\(").replace(")", r"\)")):
        check_writable(tmp_path / name, Refused, "the model")


def test_a_new_file_in_a_folder_passes_and_nothing_is_written(tmp_path):
    assert check_writable(tmp_path / "model.safetensors", Refused, "the model") is None
    assert list(tmp_path.iterdir()) == []
