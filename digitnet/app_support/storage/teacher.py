"""The teacher's key: it unlocks, on the Class page, a new round and hiding runs."""

import hmac

KEY_NAME = "DIGITNET_TEACHER_KEY"


def configured_key(environ, secrets) -> str | None:
    """The key from the environment, else from Streamlit's secrets (a mapping); None when
    neither sets one, and then nobody can clear or hide anything."""
    key = environ.get(KEY_NAME) or secrets.get(KEY_NAME)
    return str(key) if key else None


def key_matches(given: str, key: str) -> bool:
    """Compared in constant time: how long a wrong guess takes tells nothing of the key."""
    return hmac.compare_digest(given.encode("utf-8"), key.encode("utf-8"))
