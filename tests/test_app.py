from streamlit.testing.v1 import AppTest


def test_home_shows_dataset_and_models():
    at = AppTest.from_file("../app.py", default_timeout=30).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "11,876 training and 1,990 validation images" in text
    assert "785 parameters" in text  # 784 weights and a bias
    assert "32,241 parameters" in text  # 784*40+40 + 40*20+20 + 20+1
