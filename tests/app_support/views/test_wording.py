from digitnet.app_support.views.wording import count


def test_count_says_one_thing_and_many_things():
    assert count(1, "epoch") == "1 epoch"
    assert count(0, "epoch") == "0 epochs"
    assert count(1024, "batch", "batches") == "1,024 batches"
    assert count(1, "batch", "batches") == "1 batch"
    assert count(2, "more epoch") == "2 more epochs"
