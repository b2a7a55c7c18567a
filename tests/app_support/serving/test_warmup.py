import subprocess
import sys

# In a fresh interpreter: this test process has long imported everything.
CHECK = """
import sys
import torch
from digitnet.lesson import dataset as data
from digitnet.app_support.serving.warmup import warm_up

assert "torch._dynamo" not in sys.modules
warm_up(1, (3, 5))
data.load_dataset((3, 5))
print("torch._dynamo" in sys.modules, torch.get_num_threads(), data._load.cache_info().hits)
"""


def test_warm_up_imports_what_the_first_optimiser_needs_and_caches_the_data():
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "1", "1"]
