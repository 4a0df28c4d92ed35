"""Loading a LLaMA checkpoint where the quoted ``Llama.build`` fails, and why it fails.

The reference post runs Meta's ``example_text_completion.py`` under ``torchrun`` on a Mac and gets
``RuntimeError: Distributed package doesn't have NCCL built in``: ``Llama.build`` always asks
``torch.distributed`` for the ``nccl`` backend, which exists only in CUDA builds of PyTorch, and
then calls ``torch.cuda.set_device``. This module keeps that function's shape and changes only
what must change to run anywhere:

* backend ``nccl`` only when CUDA and NCCL are both available, else ``gloo``;
* device ``cuda:LOCAL_RANK``, else ``mps``, else ``cpu``;
* ``torch.load(..., weights_only=True, mmap=True)``: no pickle code runs, and the weights are
  paged in from the file instead of being read into memory first;
* the same shard-count asserts and messages as the original (``*.pth`` shards, sorted).

It has no 7B checkpoint to load, so ``make_tiny_checkpoint(dir)`` writes one in LLaMA's layout
(``consolidated.00.pth``, ``params.json``, ``tokenizer.model``): a sentencepiece BPE tokenizer
trained offline on text this module carries (ChatGPT's answers in the post) and a ~200k-parameter
LLaMA-architecture ``Transformer`` (RMSNorm, rotary embeddings, attention with a KV cache, SwiGLU)
trained for a few seconds on the same text, so ``text_completion()`` produces recognisable words.

``reproduce_nccl_error()`` reproduces the post's failure: it raises that ``RuntimeError`` on a
PyTorch without NCCL, and raises ``unittest.SkipTest`` (saying why) where NCCL is built in.

Run it (``torch.set_num_threads(1)`` unless ``--threads`` says otherwise)::

    python content/companions/llama_loading.py                      # tiny checkpoint in a temp dir
    torchrun --nproc_per_node 1 content/companions/llama_loading.py \\
        --ckpt_dir tiny/ --tokenizer_path tiny/tokenizer.model --max_seq_len 128 --max_batch_size 4
    python content/companions/llama_loading.py --make-checkpoint tiny/
    python content/companions/llama_loading.py --reproduce-nccl-error
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import socket
import sys
import tempfile
import time
import unittest
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional

#: ``params.json`` of the tiny checkpoint (LLaMA 2 7B's keys, smaller numbers): ~200k parameters.
TINY_PARAMS = {"dim": 64, "multiple_of": 32, "n_heads": 4, "n_layers": 3, "norm_eps": 1e-05,
               "vocab_size": -1}
#: Size of the tiny sentencepiece vocabulary (256 byte-fallback pieces + 3 specials + merges).
TINY_VOCAB = 320

#: The text the tiny tokenizer and model learn from: ChatGPT's answers in the reference post.
CORPUS = """\
The code you provided seems to be part of a machine learning algorithm, specifically an implementation of stochastic gradient descent (SGD) for updating the weights and biases in a neural network during the training process.
These variables are likely part of a neural network class, representing the weights and biases of the network. In a neural network, weights are parameters that adjust the strength of the connections between neurons in different layers, while biases are parameters that control the neuron's activation threshold.
These variables likely store the gradients of the cost function with respect to the weights and biases, respectively. During the training process, gradients are computed to determine how the cost function changes concerning the weights and biases, and this information is used to update the parameters.
This is the learning rate, which controls the step size taken in the direction of the gradients during the parameter update. A higher learning rate can lead to faster convergence during training, but it can also cause instability. A smaller learning rate might improve stability but increase the training time.
This is a subset of the training data used for each iteration of the stochastic gradient descent. Mini-batch gradient descent is a variant of SGD where the entire training dataset is divided into smaller batches, and the parameter updates are performed using each mini-batch.
This line updates the weights of the neural network. It uses a list comprehension to loop through each weight and its corresponding gradient. For each weight, it subtracts a portion of the gradient (scaled by the learning rate and the size of the mini-batch) from the original weight.
This line updates the biases of the neural network in a similar way. It uses a list comprehension to loop through each bias and its corresponding gradient.
In summary, these lines of code perform the weight and bias updates for the neural network using stochastic gradient descent. This process is repeated for each mini-batch during the training phase to optimize the network's parameters and improve its performance on the given task.
SpaCy is an open-source natural language processing (NLP) library developed by Explosion AI. It is designed to be efficient, fast, and production-ready, making it a popular choice for various NLP tasks. SpaCy provides pre-trained language models that can process and understand text, allowing developers to perform various NLP tasks.
SpaCy can split a text into individual words or tokens, taking into account various linguistic rules and complexities. The library can assign part-of-speech tags to each token, indicating whether it is a noun, verb, adjective, etc.
SpaCy can identify and categorize entities such as names of people, organizations, locations, dates, etc. It can analyze the grammatical structure of a sentence and determine the relationships between words. SpaCy can convert words to their base or root form (lemmas).
The library provides word vectors, also known as word embeddings, which are dense numerical representations of words that capture semantic meaning.
SpaCy supports multiple languages and comes with pre-trained models for different languages, making it widely used in various NLP applications, including information extraction, sentiment analysis, chatbots, language translation, and more.
"""


# --- tokenizer ------------------------------------------------------------------------------------


class Tokenizer:
    """A sentencepiece model with LLaMA's conventions: BOS/EOS ids from the model, pad id -1."""

    def __init__(self, model_path: str):
        from sentencepiece import SentencePieceProcessor

        assert os.path.isfile(model_path), model_path
        self.sp_model = SentencePieceProcessor(model_file=str(model_path))
        self.n_words = self.sp_model.vocab_size()
        self.bos_id = self.sp_model.bos_id()
        self.eos_id = self.sp_model.eos_id()
        self.pad_id = self.sp_model.pad_id()

    def encode(self, s: str, bos: bool, eos: bool) -> List[int]:
        return [self.bos_id] * bos + self.sp_model.encode(s) + [self.eos_id] * eos

    def decode(self, t: List[int]) -> str:
        return self.sp_model.decode(t)


def train_tokenizer(path, text=CORPUS, vocab_size=TINY_VOCAB):
    """Train a BPE sentencepiece model (byte fallback, like LLaMA's) on ``text``; write it to ``path``."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text.splitlines()), model_writer=model, vocab_size=vocab_size,
        model_type="bpe", byte_fallback=True, character_coverage=1.0, num_threads=1,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, minloglevel=2)
    Path(path).write_bytes(model.getvalue())
    return Path(path)


# --- model ----------------------------------------------------------------------------------------


@dataclass
class ModelArgs:
    """Hyper-parameters: the keys of ``params.json`` plus the run-time limits of ``Llama.build``."""

    dim: int = 4096
    n_layers: int = 32
    n_heads: int = 32
    n_kv_heads: Optional[int] = None
    vocab_size: int = -1  # set from the tokenizer by Llama.build
    multiple_of: int = 256  # SwiGLU hidden size is rounded up to a multiple of this
    ffn_dim_multiplier: Optional[float] = None
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    max_batch_size: int = 32
    max_seq_len: int = 2048


@lru_cache(maxsize=None)
def _module_classes():
    """The ``torch.nn`` modules, defined on first use so that importing this file needs no torch."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    class RMSNorm(nn.Module):
        """x / sqrt(mean(x²) + eps) * weight, computed in float32."""

        def __init__(self, dim: int, eps: float = 1e-6):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.ones(dim))

        def forward(self, x):
            x32 = x.float()
            normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
            return normed.type_as(x) * self.weight

    class Rotary(nn.Module):
        """Rotary position embedding. ``freqs`` is stored as ``rope.freqs``, as in LLaMA's files."""

        def __init__(self, head_dim: int, theta: float):
            super().__init__()
            exponents = torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim
            self.register_buffer("freqs", 1.0 / theta ** exponents)

        def angles(self, start_pos: int, seqlen: int):
            positions = torch.arange(start_pos, start_pos + seqlen, device=self.freqs.device)
            angles = torch.outer(positions.float(), self.freqs)
            return angles.cos(), angles.sin()

    def rotate(x, cos, sin):
        """Rotate each (even, odd) pair of ``x`` (batch, seq, heads, head_dim) by its angle."""
        pairs = x.float().reshape(*x.shape[:-1], -1, 2)
        even, odd = pairs[..., 0], pairs[..., 1]
        cos, sin = cos[None, :, None, :], sin[None, :, None, :]
        rotated = torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1)
        return rotated.flatten(-2).type_as(x)

    class Attention(nn.Module):
        """Multi-head attention with grouped key/value heads and a key/value cache."""

        def __init__(self, args: ModelArgs):
            super().__init__()
            self.n_heads = args.n_heads
            self.n_kv_heads = args.n_kv_heads or args.n_heads
            self.head_dim = args.dim // args.n_heads
            self.wq = nn.Linear(args.dim, self.n_heads * self.head_dim, bias=False)
            self.wk = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)
            self.wv = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)
            self.wo = nn.Linear(self.n_heads * self.head_dim, args.dim, bias=False)
            cache_shape = (args.max_batch_size, args.max_seq_len, self.n_kv_heads, self.head_dim)
            self.register_buffer("cache_k", torch.zeros(cache_shape), persistent=False)
            self.register_buffer("cache_v", torch.zeros(cache_shape), persistent=False)

        def forward(self, x, start_pos, cos, sin, mask, use_cache):
            bsz, seqlen, _ = x.shape
            q = self.wq(x).view(bsz, seqlen, self.n_heads, self.head_dim)
            k = self.wk(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim)
            v = self.wv(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim)
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
            if use_cache:
                self.cache_k[:bsz, start_pos:start_pos + seqlen] = k
                self.cache_v[:bsz, start_pos:start_pos + seqlen] = v
                k = self.cache_k[:bsz, :start_pos + seqlen]
                v = self.cache_v[:bsz, :start_pos + seqlen]
            repeats = self.n_heads // self.n_kv_heads
            k = k.repeat_interleave(repeats, dim=2).transpose(1, 2)
            v = v.repeat_interleave(repeats, dim=2).transpose(1, 2)
            scores = q.transpose(1, 2) @ k.transpose(2, 3) / math.sqrt(self.head_dim)
            if mask is not None:
                scores = scores + mask
            weights = F.softmax(scores.float(), dim=-1).type_as(q)
            out = (weights @ v).transpose(1, 2).reshape(bsz, seqlen, -1)
            return self.wo(out)

    class FeedForward(nn.Module):
        """SwiGLU: w2(silu(w1 x) * w3 x), hidden size 2/3 of 4·dim rounded up to ``multiple_of``."""

        def __init__(self, args: ModelArgs):
            super().__init__()
            hidden = int(2 * 4 * args.dim / 3)
            if args.ffn_dim_multiplier is not None:
                hidden = int(args.ffn_dim_multiplier * hidden)
            hidden = args.multiple_of * ((hidden + args.multiple_of - 1) // args.multiple_of)
            self.w1 = nn.Linear(args.dim, hidden, bias=False)
            self.w2 = nn.Linear(hidden, args.dim, bias=False)
            self.w3 = nn.Linear(args.dim, hidden, bias=False)

        def forward(self, x):
            return self.w2(F.silu(self.w1(x)) * self.w3(x))

    class TransformerBlock(nn.Module):
        def __init__(self, args: ModelArgs):
            super().__init__()
            self.attention = Attention(args)
            self.feed_forward = FeedForward(args)
            self.attention_norm = RMSNorm(args.dim, eps=args.norm_eps)
            self.ffn_norm = RMSNorm(args.dim, eps=args.norm_eps)

        def forward(self, x, start_pos, cos, sin, mask, use_cache):
            h = x + self.attention(self.attention_norm(x), start_pos, cos, sin, mask, use_cache)
            return h + self.feed_forward(self.ffn_norm(h))

    class Transformer(nn.Module):
        """LLaMA's decoder; state-dict keys match Meta's ``consolidated.*.pth`` files."""

        def __init__(self, params: ModelArgs):
            super().__init__()
            self.params = params
            self.tok_embeddings = nn.Embedding(params.vocab_size, params.dim)
            self.layers = nn.ModuleList(TransformerBlock(params) for _ in range(params.n_layers))
            self.norm = RMSNorm(params.dim, eps=params.norm_eps)
            self.output = nn.Linear(params.dim, params.vocab_size, bias=False)
            self.rope = Rotary(params.dim // params.n_heads, params.rope_theta)

        def forward(self, tokens, start_pos: int = 0, use_cache: bool = True):
            """Logits for ``tokens`` at positions ``start_pos…``; with ``use_cache`` the keys and
            values of earlier positions come from (and these go into) the cache."""
            seqlen = tokens.shape[1]
            h = self.tok_embeddings(tokens)
            cos, sin = self.rope.angles(start_pos, seqlen)
            mask = None
            if seqlen > 1:
                causal = torch.full((seqlen, seqlen), float("-inf"), device=tokens.device).triu(1)
                past = torch.zeros((seqlen, start_pos if use_cache else 0), device=tokens.device)
                mask = torch.hstack([past, causal]).type_as(h)
            for layer in self.layers:
                h = layer(h, start_pos, cos, sin, mask, use_cache)
            return self.output(self.norm(h)).float()

    return {"Transformer": Transformer}


def Transformer(params: ModelArgs):
    """A LLaMA-architecture ``torch.nn.Module`` built from ``params``."""
    return _module_classes()["Transformer"](params)


def parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())


# --- distributed set-up (what fairscale's model-parallel helpers do, for one model-parallel group) -

_model_parallel = {}  # "size" and "rank" once initialize_model_parallel ran, as in fairscale


def model_parallel_is_initialized() -> bool:
    return bool(_model_parallel)


def initialize_model_parallel(model_parallel_size: int) -> None:
    """Use the whole world as one model-parallel group (size clamped to the world, as fairscale)."""
    import torch.distributed

    world_size = torch.distributed.get_world_size()
    size = min(model_parallel_size, world_size)
    if world_size % size:
        raise ValueError(f"world size {world_size} is not divisible by model parallel size {size}")
    _model_parallel.update(size=size, rank=torch.distributed.get_rank() % size)


def get_model_parallel_rank() -> int:
    return _model_parallel["rank"]


def default_backend() -> str:
    """``nccl`` where CUDA and NCCL are both available, else ``gloo`` (the post's fix)."""
    import torch
    import torch.distributed

    if torch.cuda.is_available() and torch.distributed.is_nccl_available():
        return "nccl"
    return "gloo"


def init_distributed(backend: str) -> None:
    """``init_process_group(backend)``: from the environment under torchrun (``RANK`` and
    ``WORLD_SIZE`` set), else as the only process, with an in-memory store (no port)."""
    import torch.distributed

    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        torch.distributed.init_process_group(backend)
    else:
        torch.distributed.init_process_group(
            backend, store=torch.distributed.HashStore(), rank=0, world_size=1)


def select_device(local_rank: int):
    """``cuda:local_rank`` (made current), else ``mps``, else ``cpu``."""
    import torch

    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def shutdown_distributed() -> None:
    """Undo what ``Llama.build`` set up: the model-parallel state and the process group."""
    import torch.distributed

    _model_parallel.clear()
    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


@contextmanager
def distributed_session():
    """Shut down on exit what ``Llama.build`` initialises inside the block, and only that."""
    import torch.distributed

    already = torch.distributed.is_initialized(), model_parallel_is_initialized()
    try:
        yield
    finally:
        if already == (False, False):
            shutdown_distributed()


# --- Llama ---------------------------------------------------------------------------------------


class Llama:
    """A model and its tokenizer, built from a checkpoint folder; generates text."""

    def __init__(self, model, tokenizer: Tokenizer):
        self.model = model
        self.tokenizer = tokenizer

    @staticmethod
    def build(
        ckpt_dir: str,
        tokenizer_path: str,
        max_seq_len: int,
        max_batch_size: int,
        model_parallel_size: Optional[int] = None,
    ) -> "Llama":
        import torch

        if not torch.distributed.is_initialized():
            init_distributed(default_backend())
        if not model_parallel_is_initialized():
            if model_parallel_size is None:
                model_parallel_size = int(os.environ.get("WORLD_SIZE", 1))
            initialize_model_parallel(model_parallel_size)

        local_rank = int(os.environ.get("LOCAL_RANK", 0))
        device = select_device(local_rank)

        # seed must be the same in all processes
        torch.manual_seed(1)

        if local_rank > 0:
            sys.stdout = open(os.devnull, "w")

        start_time = time.time()
        checkpoints = sorted(Path(ckpt_dir).glob("*.pth"))
        assert len(checkpoints) > 0, f"no checkpoint files found in {ckpt_dir}"
        assert model_parallel_size == len(
            checkpoints
        ), f"Loading a checkpoint for MP={len(checkpoints)} but world size is {model_parallel_size}"
        ckpt_path = checkpoints[get_model_parallel_rank()]
        checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=True, mmap=True)
        with open(Path(ckpt_dir) / "params.json", "r") as f:
            params = json.loads(f.read())

        if model_parallel_size > 1:
            raise NotImplementedError(
                f"{len(checkpoints)} shards: this Transformer has no model-parallel layers")
        model_args = ModelArgs(max_seq_len=max_seq_len, max_batch_size=max_batch_size, **params)
        tokenizer = Tokenizer(model_path=tokenizer_path)
        model_args.vocab_size = tokenizer.n_words
        model = Transformer(model_args)
        model.load_state_dict(checkpoint)
        model.to(device).eval()
        print(f"Loaded in {time.time() - start_time:.2f} seconds")

        return Llama(model, tokenizer)

    def generate(self, prompt_tokens: List[List[int]], max_gen_len: int,
                 temperature: float = 0.6, top_p: float = 0.9) -> List[List[int]]:
        """Continue each prompt by up to ``max_gen_len`` tokens (stopping at EOS), decoding one
        position at a time through the KV cache; ``temperature`` 0 means greedy."""
        import torch

        params = self.model.params
        bsz = len(prompt_tokens)
        assert bsz <= params.max_batch_size, (bsz, params.max_batch_size)
        min_prompt_len = min(len(t) for t in prompt_tokens)
        max_prompt_len = max(len(t) for t in prompt_tokens)
        assert max_prompt_len <= params.max_seq_len
        total_len = min(params.max_seq_len, max_gen_len + max_prompt_len)
        device = self.model.output.weight.device

        pad = self.tokenizer.pad_id
        tokens = torch.full((bsz, total_len), pad, dtype=torch.long, device=device)
        for row, t in enumerate(prompt_tokens):
            tokens[row, :len(t)] = torch.tensor(t, dtype=torch.long, device=device)
        is_prompt = tokens != pad
        eos_reached = torch.zeros(bsz, dtype=torch.bool, device=device)
        prev_pos = 0
        with torch.inference_mode():
            for cur_pos in range(min_prompt_len, total_len):
                logits = self.model(tokens[:, prev_pos:cur_pos], prev_pos)
                next_token = sample(logits[:, -1], temperature, top_p)
                next_token = torch.where(is_prompt[:, cur_pos], tokens[:, cur_pos], next_token)
                tokens[:, cur_pos] = next_token
                eos_reached |= ~is_prompt[:, cur_pos] & (next_token == self.tokenizer.eos_id)
                prev_pos = cur_pos
                if bool(eos_reached.all()):
                    break

        out = []
        for row, t in enumerate(tokens.tolist()):
            generated = t[len(prompt_tokens[row]):len(prompt_tokens[row]) + max_gen_len]
            if self.tokenizer.eos_id in generated:
                generated = generated[:generated.index(self.tokenizer.eos_id)]
            out.append(generated)
        return out

    def text_completion(self, prompts: List[str], temperature: float = 0.6, top_p: float = 0.9,
                        max_gen_len: Optional[int] = None) -> List[dict]:
        """``[{"generation": text}, …]``: each prompt's continuation."""
        if max_gen_len is None:
            max_gen_len = self.model.params.max_seq_len - 1
        prompt_tokens = [self.tokenizer.encode(p, bos=True, eos=False) for p in prompts]
        generated = self.generate(prompt_tokens, max_gen_len, temperature, top_p)
        return [{"generation": self.tokenizer.decode(t)} for t in generated]


def sample(logits, temperature: float, top_p: float):
    """Next token per row: argmax when ``temperature`` is 0, else top-p (nucleus) sampling."""
    import torch

    if temperature <= 0:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    outside = sorted_probs.cumsum(dim=-1) - sorted_probs > top_p
    sorted_probs = sorted_probs.masked_fill(outside, 0.0)
    choice = torch.multinomial(sorted_probs / sorted_probs.sum(-1, keepdim=True), 1)
    return order.gather(-1, choice).squeeze(-1)


# --- the tiny checkpoint --------------------------------------------------------------------------


@dataclass(frozen=True)
class TinyCheckpoint:
    """Paths of a checkpoint written by ``make_tiny_checkpoint`` and how its training went."""

    ckpt_dir: Path
    tokenizer_path: Path
    parameters: int
    loss_before: float
    loss_after: float


def make_tiny_checkpoint(ckpt_dir, train_steps: int = 150, seed: int = 0,
                         text: str = CORPUS) -> TinyCheckpoint:
    """Write ``tokenizer.model``, ``params.json`` and ``consolidated.00.pth`` into ``ckpt_dir``.

    The tokenizer is trained on ``text``; the model (``TINY_PARAMS``, ~200k parameters) is trained
    for ``train_steps`` AdamW steps on random 64-token windows of the same text. The global torch
    random state is left as it was.
    """
    import torch

    ckpt_dir = Path(ckpt_dir)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    tokenizer_path = train_tokenizer(ckpt_dir / "tokenizer.model", text)
    tokenizer = Tokenizer(str(tokenizer_path))
    (ckpt_dir / "params.json").write_text(json.dumps(TINY_PARAMS))
    args = ModelArgs(**{**TINY_PARAMS, "vocab_size": tokenizer.n_words}, max_batch_size=1,
                     max_seq_len=128)
    stream = [t for line in text.splitlines() for t in tokenizer.encode(line, bos=True, eos=True)]
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = Transformer(args)
        loss_before, loss_after = train(model, torch.tensor(stream), train_steps)
    torch.save(model.state_dict(), ckpt_dir / "consolidated.00.pth")
    return TinyCheckpoint(ckpt_dir, tokenizer_path, parameter_count(model), loss_before, loss_after)


def train(model, stream, steps: int, window: int = 64, batch: int = 16, lr: float = 3e-3):
    """Next-token training on random windows of ``stream``; returns (first, last) mean loss.

    The Adam update is written out: ``torch.optim`` would import ``torch._dynamo`` (2 s here).
    """
    import torch
    import torch.nn.functional as F

    beta1, beta2, eps = 0.9, 0.999, 1e-8
    params = list(model.parameters())
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    losses = []
    model.train()
    for step in range(1, max(steps, 1) + 1):
        starts = torch.randint(0, len(stream) - window - 1, (batch,))
        x = torch.stack([stream[s:s + window] for s in starts])
        y = torch.stack([stream[s + 1:s + window + 1] for s in starts])
        loss = F.cross_entropy(model(x, use_cache=False).flatten(0, 1), y.flatten())
        losses.append(loss.item())
        if not steps:
            break
        loss.backward()
        with torch.no_grad():
            for p, (m, v) in zip(params, moments):
                m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                denominator = (v / (1 - beta2 ** step)).sqrt_().add_(eps)
                p.addcdiv_(m, denominator, value=-lr / (1 - beta1 ** step))
                p.grad = None
    model.eval()
    tail = losses[-10:]
    return losses[0], sum(tail) / len(tail)


# --- the post's failure ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reproduce_nccl_error() -> None:
    """Call ``init_process_group("nccl")`` as the quoted ``Llama.build`` does under torchrun.

    On a PyTorch built without NCCL (CPU wheels, macOS) this raises the post's
    ``RuntimeError: Distributed package doesn't have NCCL built in``, and lets it propagate.
    Where NCCL is built in, the error cannot happen: it raises ``unittest.SkipTest`` saying so,
    without initialising anything. ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT`` are
    set (0, 1, 127.0.0.1, a free port) only where absent, and restored afterwards.
    """
    import torch
    import torch.distributed

    if torch.distributed.is_nccl_available():
        raise unittest.SkipTest(
            f"NCCL is built into this PyTorch ({torch.__version__}): init_process_group('nccl') "
            "does not raise the post's error here")
    defaults = {"RANK": "0", "WORLD_SIZE": "1", "MASTER_ADDR": "127.0.0.1",
                "MASTER_PORT": str(free_port())}
    saved = {name: os.environ.get(name) for name in defaults}
    try:
        for name, value in defaults.items():
            os.environ.setdefault(name, value)
        torch.distributed.init_process_group("nccl")
        torch.distributed.destroy_process_group()  # not reached on a build without NCCL
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- entry points ---------------------------------------------------------------------------------


@contextmanager
def torch_threads(n: int):
    """Run the block with ``torch.set_num_threads(n)``, then restore the previous count."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def smoke():
    """A few seconds: a briefly trained tiny checkpoint in a temp dir, ``Llama.build``, generation.

    Leaves the process as it found it: thread count, torch's random state (``Llama.build`` seeds
    it), process group and model-parallel state.
    """
    import torch

    with torch_threads(1), torch.random.fork_rng(), tempfile.TemporaryDirectory() as tmp, \
            distributed_session():
        tiny = make_tiny_checkpoint(tmp, train_steps=40)
        generator = Llama.build(str(tiny.ckpt_dir), str(tiny.tokenizer_path), max_seq_len=64,
                                max_batch_size=2)
        results = generator.text_completion(["The learning rate", "SpaCy is"], temperature=0,
                                            max_gen_len=16)
    return {"parameters": tiny.parameters, "loss": (tiny.loss_before, tiny.loss_after),
            "generations": [r["generation"] for r in results]}


DEFAULT_PROMPTS = ["The learning rate", "SpaCy is an", "In a neural network,"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ckpt_dir", "--ckpt-dir", help="checkpoint folder (default: write a tiny one to a temp dir)")
    parser.add_argument("--tokenizer_path", "--tokenizer-path", help="default: CKPT_DIR/tokenizer.model")
    parser.add_argument("--max_seq_len", "--max-seq-len", type=int, default=128)
    parser.add_argument("--max_batch_size", "--max-batch-size", type=int, default=4)
    parser.add_argument("--max_gen_len", "--max-gen-len", type=int, default=48)
    parser.add_argument("--temperature", type=float, default=0.6)
    parser.add_argument("--top_p", "--top-p", type=float, default=0.9)
    parser.add_argument("--prompt", action="append", help="repeatable (default: three from the post)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--train-steps", type=int, default=150, help="training steps of a tiny checkpoint")
    parser.add_argument("--make-checkpoint", metavar="DIR", help="only write a tiny checkpoint to DIR")
    parser.add_argument("--reproduce-nccl-error", action="store_true",
                        help="call init_process_group('nccl') like the quoted Llama.build")
    args = parser.parse_args(argv)

    with torch_threads(args.threads):
        if args.reproduce_nccl_error:
            reproduce_nccl_error()
            return 0
        if args.make_checkpoint:
            tiny = make_tiny_checkpoint(args.make_checkpoint, train_steps=args.train_steps)
            print(f"wrote {tiny.ckpt_dir}: {tiny.parameters:,} parameters, training loss "
                  f"{tiny.loss_before:.2f} -> {tiny.loss_after:.2f}")
            return 0
        with tempfile.TemporaryDirectory() as tmp, distributed_session():
            ckpt_dir = args.ckpt_dir
            if ckpt_dir is None:
                tiny = make_tiny_checkpoint(tmp, train_steps=args.train_steps)
                ckpt_dir = str(tiny.ckpt_dir)
                print(f"tiny checkpoint in {ckpt_dir}: {tiny.parameters:,} parameters, "
                      f"training loss {tiny.loss_before:.2f} -> {tiny.loss_after:.2f}")
            tokenizer_path = args.tokenizer_path or str(Path(ckpt_dir) / "tokenizer.model")
            generator = Llama.build(ckpt_dir, tokenizer_path, args.max_seq_len, args.max_batch_size)
            import torch.distributed

            print(f"backend {torch.distributed.get_backend()}, world size "
                  f"{torch.distributed.get_world_size()}, device {generator.model.output.weight.device}")
            prompts = args.prompt or DEFAULT_PROMPTS
            results = generator.text_completion(prompts, args.temperature, args.top_p, args.max_gen_len)
            for prompt, result in zip(prompts, results):
                print(f"\n{prompt}\n> {result['generation']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
