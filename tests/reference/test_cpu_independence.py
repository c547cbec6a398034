"""07_outfit's generated data is the same on every CPU: checked under other CPUs' kernels.

Floating-point results differ in their last bits from one CPU to another:
PyTorch picks vectorized kernels for the CPU it runs on (its normal sampler and
softmax, among others, round differently with and without AVX2), and MKL picks
matrix-product code paths. PyTorch and MKL can be told to use another CPU's
kernels: ``ATEN_CPU_CAPABILITY`` (``default``, ``avx2``, ``avx512``) and
``MKL_CBWR`` (``COMPATIBLE``, ``AVX2``). Here the scorer's recipe data is
generated in subprocesses under several such settings
(``python -m scripts.build_outfit_scorer --data``, a few seconds, no training):
the item embeddings change in their last bits, and the integer data (outfits,
labels, test outfits: ``data_sha256``) must stay the checkpoint's.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from course.outfit.scorer import CHECKPOINT
from scripts.build_outfit_scorer import embeddings_match

REPO = Path(__file__).resolve().parents[2]

#: Kernel settings, by the capability PyTorch should report: the portable kernels with
#: MKL's most compatible code path, AVX2 ones, and this CPU's own (nothing set).
SETTINGS = {
    "DEFAULT": {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"},
    "AVX2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2"},
    "native": {},
}
#: Variables that choose kernels, removed from the environment before each setting applies.
KERNEL_VARIABLES = ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "ONEDNN_MAX_CPU_ISA", "OPENBLAS_CORETYPE")


def _start(settings):
    """A subprocess printing the recipe data's fingerprint under the given kernel settings."""
    env = {name: value for name, value in os.environ.items() if name not in KERNEL_VARIABLES}
    env.update(settings, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "scripts.build_outfit_scorer", "--data"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def fingerprints():
    """``{setting: data_fingerprint()}``, the settings run side by side."""
    running = {name: _start(settings) for name, settings in SETTINGS.items()}
    found = {}
    for name, process in running.items():
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"--data failed under {SETTINGS[name]}"
        found[name] = json.loads(output)
    return found


@pytest.fixture(scope="module")
def shipped():
    return torch.load(CHECKPOINT, weights_only=True)


def test_the_settings_change_the_embeddings_last_bits(fingerprints):
    """The emulation takes effect: the portable kernels run, and the float embeddings differ.

    (Without this, equal data hashes would prove nothing.)
    """
    reported = {name: found["cpu_capability"] for name, found in fingerprints.items()}
    assert reported["DEFAULT"] == "DEFAULT", reported
    if len(set(reported.values())) == 1:
        pytest.skip(f"PyTorch has one set of kernels on this CPU: {reported}")
    bits = {name: found["embeddings_sha256"] for name, found in fingerprints.items()}
    assert len(set(bits.values())) > 1, f"the same embeddings bits under every setting: {bits}"


def test_the_data_is_the_checkpoints_under_every_cpus_kernels(fingerprints, shipped):
    """The integer data hash is the checkpoint's exactly; the embeddings to float32 precision."""
    stored = shipped["embedding_moments"]
    for name, found in fingerprints.items():
        assert found["data_sha256"] == shipped["data_sha256"], f"{name}: other outfits"
        moments = torch.tensor(found["embedding_moments"], dtype=torch.float64)
        assert embeddings_match(moments, stored), f"{name}: {moments} against {stored}"
