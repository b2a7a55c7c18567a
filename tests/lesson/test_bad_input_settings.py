"""Property tests: settings from a shared link (URL parameters anyone can edit)."""

from dataclasses import fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitnet.errors import SettingsError
from digitnet.lesson.settings import ECHOED, Settings
from tests.bad_input import check_message

NAMES = [f.name for f in fields(Settings)]
texts = st.one_of(
    st.text(max_size=12),
    st.integers().map(str),
    st.floats().map(str),
    st.sampled_from(["", "none", "all", "nan", "inf", "1e400", "2-6", "2-2", "40-20-10-5-1", "0", "true", "9" * 5000]),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=6)), texts, max_size=6))
def test_any_link(params):
    """A link never fails: every bad parameter is skipped with a note, the rest are kept."""
    result, problems = Settings.from_query(params)
    assert result == result.checked()
    assert len(problems) <= len(params)
    for problem in problems:
        check_message(problem, echoes=list(params.values()))
    for name, text in params.items():
        if name in NAMES and not any(problem.startswith(f"ignored {name}=") for problem in problems):
            assert result == Settings.from_query({**result.to_query(), name: text})[0]


@pytest.mark.parametrize("lr", [10**400, -(10**400), 10**309, 2**1024], ids=["1e400", "-1e400", "1e309", "2**1024"])
def test_a_learning_rate_past_the_largest_float_is_refused_with_a_sentence(lr):
    """A model file's JSON can hold any whole number; 2**1024 is the first a float cannot hold."""
    with pytest.raises(SettingsError, match="learning rate must be above 0 and at most 100") as refused:
        Settings(lr=lr).checked()
    check_message(str(refused.value))
    assert len(str(refused.value)) < 100 + ECHOED  # the number is quoted in part, not 400 digits of it
