from digitnet.app_support.storage.teacher import configured_key, key_matches


def test_the_key_comes_from_the_environment_first_then_the_secrets():
    assert configured_key({"DIGITNET_TEACHER_KEY": "env"}, {"DIGITNET_TEACHER_KEY": "secret"}) == "env"
    assert configured_key({}, {"DIGITNET_TEACHER_KEY": "secret"}) == "secret"
    assert configured_key({"DIGITNET_TEACHER_KEY": ""}, {}) is None  # an empty key unlocks nothing
    assert configured_key({}, {}) is None


def test_only_the_exact_key_matches():
    assert key_matches("clé du maître", "clé du maître")
    assert not key_matches("clé du maitre", "clé du maître")
    assert not key_matches("", "k") and not key_matches("k ", "k") and not key_matches("K", "k")
