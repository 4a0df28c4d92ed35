"""content/companions/llama_loading.py: the tiny checkpoint, Llama.build, generation, the NCCL error."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from companions_support import COMPANIONS, load_companion

torch = pytest.importorskip("torch", reason="torch is not installed (requirements/companions.txt)")
pytest.importorskip("sentencepiece", reason="sentencepiece is not installed (requirements/companions.txt)")
llama = load_companion("llama_loading")

POST = COMPANIONS.parent / "posts" / "2023-08-03-chatgpt-helps-me-learn-latest-ai-technology.md"
DIST_ENV = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    with llama.torch_threads(1):
        return llama.make_tiny_checkpoint(tmp_path_factory.mktemp("tiny"), train_steps=60)


@pytest.fixture
def session(monkeypatch):
    """No torchrun variables inherited; whatever Llama.build initialises is shut down after."""
    for name in DIST_ENV:
        monkeypatch.delenv(name, raising=False)
    with llama.torch_threads(1), llama.distributed_session():
        yield
    assert not torch.distributed.is_initialized() and not llama.model_parallel_is_initialized()


def test_tiny_checkpoint_has_the_llama_layout(tiny):
    assert sorted(p.name for p in tiny.ckpt_dir.iterdir()) == [
        "consolidated.00.pth", "params.json", "tokenizer.model"]
    params = json.loads((tiny.ckpt_dir / "params.json").read_text())
    assert params == {"dim": 64, "multiple_of": 32, "n_heads": 4, "n_layers": 3, "norm_eps": 1e-05,
                      "vocab_size": -1}
    state = torch.load(tiny.ckpt_dir / "consolidated.00.pth", weights_only=True, mmap=True)
    for key in ("tok_embeddings.weight", "norm.weight", "output.weight", "rope.freqs",
                "layers.2.attention.wq.weight", "layers.2.attention.wo.weight",
                "layers.0.feed_forward.w1.weight", "layers.0.feed_forward.w3.weight",
                "layers.0.attention_norm.weight", "layers.0.ffn_norm.weight"):
        assert key in state, key
    assert not any("cache" in key for key in state)
    assert 150_000 <= tiny.parameters <= 250_000
    tokenizer = llama.Tokenizer(str(tiny.tokenizer_path))
    assert (tokenizer.bos_id, tokenizer.eos_id, tokenizer.pad_id) == (1, 2, -1)
    text = "Mini-batch gradient descent, naïvely: 3.0 ✓"
    assert tokenizer.decode(tokenizer.encode(text, bos=True, eos=False)[1:]) == text  # byte fallback


def test_training_lowers_the_loss(tiny):
    assert tiny.loss_after < tiny.loss_before - 1.0


def test_build_loads_with_gloo_on_cpu_and_generates(tiny, session, capsys):
    generator = llama.Llama.build(str(tiny.ckpt_dir), str(tiny.tokenizer_path), max_seq_len=64,
                                  max_batch_size=2)
    assert re.fullmatch(r"Loaded in \d+\.\d\d seconds\n", capsys.readouterr().out)
    assert torch.distributed.get_backend() == "gloo" and torch.distributed.get_world_size() == 1
    assert generator.model.output.weight.device.type == "cpu"
    prompts = ["The learning rate", "SpaCy is"]
    greedy = generator.text_completion(prompts, temperature=0, max_gen_len=12)
    assert greedy == generator.text_completion(prompts, temperature=0, max_gen_len=12)
    assert all(result["generation"].strip() for result in greedy)
    sampled = generator.text_completion(prompts, temperature=0.8, top_p=0.9, max_gen_len=12)
    assert len(sampled) == 2 and all(isinstance(r["generation"], str) for r in sampled)


def test_kv_cache_gives_the_same_logits_as_a_full_pass(tiny, session):
    generator = llama.Llama.build(str(tiny.ckpt_dir), str(tiny.tokenizer_path), 32, 1)
    tokens = torch.tensor([generator.tokenizer.encode("weights and biases", bos=True, eos=False)])
    with torch.inference_mode():
        full = generator.model(tokens, use_cache=False)
        first = generator.model(tokens[:, :3], 0)
        rest = [generator.model(tokens[:, pos:pos + 1], pos) for pos in range(3, tokens.shape[1])]
    stepwise = torch.cat([first, *rest], dim=1)
    torch.testing.assert_close(stepwise, full, rtol=1e-4, atol=1e-5)


def test_shard_count_mismatch_keeps_the_original_message(tiny, session, tmp_path):
    two_shards = tmp_path / "two-shards"
    shutil.copytree(tiny.ckpt_dir, two_shards)
    shutil.copy(two_shards / "consolidated.00.pth", two_shards / "consolidated.01.pth")
    with pytest.raises(AssertionError, match=r"^Loading a checkpoint for MP=2 but world size is 1$"):
        llama.Llama.build(str(two_shards), str(tiny.tokenizer_path), 32, 1)


def test_empty_folder_keeps_the_original_message(tiny, session, tmp_path):
    with pytest.raises(AssertionError, match=f"^no checkpoint files found in {re.escape(str(tmp_path))}$"):
        llama.Llama.build(str(tmp_path), str(tiny.tokenizer_path), 32, 1)


def test_backend_is_nccl_only_with_cuda_and_nccl(monkeypatch):
    for cuda, nccl, expected in [(False, False, "gloo"), (False, True, "gloo"),
                                 (True, False, "gloo"), (True, True, "nccl")]:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.distributed, "is_nccl_available", lambda: nccl)
        assert llama.default_backend() == expected


@pytest.mark.filterwarnings("ignore:Attempted to get default timeout for nccl backend")
def test_reproduce_nccl_error_raises_the_posts_runtime_error(monkeypatch):
    if torch.distributed.is_nccl_available():
        pytest.skip(f"NCCL is built into this torch {torch.__version__}: the post's error cannot happen")
    for name in DIST_ENV:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError) as raised:
        llama.reproduce_nccl_error()
    assert f"{type(raised.value).__name__}: {raised.value}" == (
        "RuntimeError: Distributed package doesn't have NCCL built in")
    assert not any(name in os.environ for name in DIST_ENV)
    assert not torch.distributed.is_initialized()


def test_reproduce_nccl_error_says_when_nccl_is_available(monkeypatch):
    import unittest

    monkeypatch.setattr(torch.distributed, "is_nccl_available", lambda: True)
    with pytest.raises(unittest.SkipTest, match="NCCL is built into this PyTorch"):
        llama.reproduce_nccl_error()
    assert not torch.distributed.is_initialized()


def test_build_stays_close_to_the_quoted_one():
    """The post shows the diff between its quote and this Llama.build: keep it to the portability
    changes (backend, device, torch.load) and the lines after the quote."""
    import difflib
    import inspect

    fence = re.search(r"```python companion=llama_loading\.py::Llama\.build adapted\n(.*?)```",
                      POST.read_text(encoding="utf-8"), re.S)
    assert fence is not None, f"{POST.name} has lost its Llama.build excerpt"
    quote = textwrap.dedent("".join(fence.group(1).splitlines(True)[1:])).splitlines()  # no `class Llama:`
    ours = textwrap.dedent(inspect.getsource(llama.Llama.build)).splitlines()
    removed = [line for line in difflib.ndiff(quote, ours) if line.startswith("- ")]
    assert [line[2:].strip() for line in removed] == [
        'torch.distributed.init_process_group("nccl")',
        "torch.cuda.set_device(local_rank)",
        'checkpoint = torch.load(ckpt_path, map_location="cpu")',
    ]


def test_smoke_is_quick_and_leaves_nothing_initialised():
    threads, rng = torch.get_num_threads(), torch.get_rng_state()
    result = llama.smoke()
    assert len(result["generations"]) == 2 and result["loss"][1] < result["loss"][0]
    assert torch.get_num_threads() == threads and not torch.distributed.is_initialized()
    assert torch.equal(torch.get_rng_state(), rng)


@pytest.mark.slow
def test_torchrun_builds_and_generates(tiny):
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip(f"no torchrun next to {sys.executable}")
    env = {k: v for k, v in os.environ.items() if k not in DIST_ENV}
    command = [str(torchrun), "--nproc_per_node", "1", "--master-port", str(llama.free_port()),
               str(COMPANIONS / "llama_loading.py"), "--ckpt_dir", str(tiny.ckpt_dir),
               "--tokenizer_path", str(tiny.tokenizer_path), "--max_seq_len", "64",
               "--max_batch_size", "4", "--max_gen_len", "8", "--prompt", "The learning rate"]
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert re.search(r"^Loaded in \d+\.\d\d seconds$", run.stdout, re.M)
    assert "backend gloo, world size 1, device cpu" in run.stdout
    assert re.search(r"^The learning rate\n> \S", run.stdout, re.M)
