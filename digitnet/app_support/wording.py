"""Small pieces of the app's wording, the same on every page."""


def count(n: int, noun: str, plural: str = "") -> str:
    """'1 epoch', '2 epochs'; count(1024, "batch", "batches") is '1,024 batches'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def with_article(digit: int) -> str:
    return f"an {digit}" if digit == 8 else f"a {digit}"
