#!/usr/bin/python3
"""Export real architectures to ONNX, with torch's outputs as reference data.

Run with Debian's interpreter (python3-torch 1.13, torchvision 0.14, onnx 1.12):
    /usr/bin/python3 models/export.py --out DIR [--only a,b | --all] [--list]

Layout per model (the ONNX backend-test layout, so the C++ tests can share a loader):
    DIR/NAME/model.onnx  [+ DIR/NAME/weights.bin for external-data models]
    DIR/NAME/test_data_set_0/input_K.pb, output_K.pb
Weights are random but seeded, so nothing is downloaded and every run is bit-identical.
"""
import argparse
import collections
import hashlib
import math
import os
import shutil
import sys
import time

SEED = 0
# Any edit to this file invalidates every stamp, so stale exports are never reused.
SCRIPT_HASH = hashlib.sha256(open(os.path.abspath(__file__), "rb").read()).hexdigest()

# grad: trace with autograd on. In eval + no_grad, torch 1.13's batch_first
# nn.MultiheadAttention (ViT's) takes a fused path, aten::_native_multi_head_attention,
# that has no ONNX symbolic; with grad enabled (parameters require grad) it takes the
# plain, exportable ops. The reference outputs are computed on the same path.
Spec = collections.namedtuple("Spec", "build opset external default inputs outputs grad",
                              defaults=(False,))
# build names a torchvision constructor, or "transformer" / "bert" / "gpt2" for the
# hand-written text models below.
# default=True models make up the default set that the `models.export` ctest fixture
# writes on every CI run (2 cores): keep those fast. The rest are opt-in: name them with
# --only, or take everything with --all.
MODELS = {
    "resnet18": Spec("resnet18", 13, False, True, ["input"], ["output"]),
    "mobilenet_v2": Spec("mobilenet_v2", 13, False, True, ["input"], ["output"]),
    "transformer_encoder": Spec("transformer", 17, False, True, ["input_ids"], ["logits"]),
    "resnet18_external": Spec("resnet18", 13, True, True, ["input"], ["output"]),
    "mobilenet_v3_small": Spec("mobilenet_v3_small", 17, False, True, ["input"], ["output"]),
    "bert_encoder": Spec("bert", 17, False, True, ["input_ids", "attention_mask"],
                         ["last_hidden_state", "pooler_output"]),
    "gpt2_decoder": Spec("gpt2", 17, False, True, ["input_ids"], ["logits"]),
    # ~550 MB of weights: opt-in only, to keep the default set fast and small.
    "vgg16": Spec("vgg16", 13, True, False, ["input"], ["output"]),
    # Larger vision models (100-330 MB, or slow to export and run): opt-in.
    "resnet50": Spec("resnet50", 17, False, False, ["input"], ["output"]),
    "efficientnet_b0": Spec("efficientnet_b0", 17, False, False, ["input"], ["output"]),
    "densenet121": Spec("densenet121", 17, False, False, ["input"], ["output"]),
    "convnext_tiny": Spec("convnext_tiny", 17, False, False, ["input"], ["output"]),
    "vit_b_16": Spec("vit_b_16", 17, False, False, ["input"], ["output"], grad=True),
}

# torch takes over a second to import, so it is loaded only when some model is stale:
# an up-to-date re-run (every CMake build) then costs a few milliseconds.
torch = torchvision = onnx = numpy_helper = None


def import_torch():
    global torch, torchvision, onnx, numpy_helper
    try:
        import onnx
        import torch
        import torchvision
        from onnx import numpy_helper
    except ImportError as e:
        sys.exit(f"export.py: {e}; run with /usr/bin/python3 after scripts/setup.sh "
                 "(Debian's python3-torch, python3-torchvision, python3-onnx)")


def randomize_constant_inits(model, g):
    # torchvision starts every BatchNorm at mean 0 / var 1 / weight 1 / bias 0 and many
    # conv / linear biases at 0 (all of VGG's). After constant folding, identical tensors
    # are deduped by the exporter into Identity nodes; random values give every layer
    # distinct constants, like a trained network. LayerNorm (ViT, ConvNeXt), attention
    # input-projection biases, ConvNeXt's layer scale (1e-6 everywhere, which would all but
    # switch its blocks off), ViT's class token and its zero classifier head get the same
    # treatment.
    nn = torch.nn
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)  # strictly positive
            m.weight.data.copy_(torch.randn(n, generator=g) * 0.1 + 1.0)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.1)
        elif isinstance(m, (nn.Conv2d, nn.Linear)):
            if not m.weight.any():
                fan_in = m.weight[0].numel()
                m.weight.data.copy_(torch.randn(m.weight.shape, generator=g) / fan_in ** 0.5)
            if m.bias is not None:
                m.bias.data.copy_(torch.randn(m.bias.shape, generator=g) * 0.02)
        elif isinstance(m, nn.MultiheadAttention) and m.in_proj_bias is not None:
            m.in_proj_bias.data.copy_(torch.randn(m.in_proj_bias.shape, generator=g) * 0.02)
        elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
            m.weight.data.copy_(torch.randn(m.weight.shape, generator=g) * 0.1 + 1.0)
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
    for name, p in model.named_parameters():
        if name.endswith("layer_scale"):
            p.data.copy_(torch.rand(p.shape, generator=g) * 0.4 + 0.1)
        elif name == "class_token":
            p.data.copy_(torch.randn(p.shape, generator=g) * 0.02)
    return model


def randomize_params(model, g):
    # nn.TransformerEncoder deep-copies its layer, so every layer starts with identical
    # weights, and LayerNorm / attention biases start as ones / zeros; the exporter would
    # dedup those into Identity nodes too. Distinct values keep one initializer each.
    for name, p in model.named_parameters():
        noise = torch.randn(p.shape, generator=g)
        if p.dim() > 1:
            p.data.copy_(noise / p.shape[-1] ** 0.5)  # keeps activations O(1)
        elif "norm" in name and name.endswith("weight"):
            p.data.copy_(1.0 + 0.1 * noise)
        else:
            p.data.copy_(0.02 * noise)
    return model


def make_encoder(vocab=1000, seq=16, d_model=64, heads=4, ff=128, layers=2):
    """BERT-like encoder: token + learned position embedding, post-LN transformer, head."""
    nn = torch.nn

    class TinyEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d_model)
            self.pos = nn.Embedding(seq, d_model)
            # batch_first=False on purpose: in eval + no_grad, torch 1.13 routes
            # batch_first layers to a fused kernel (aten::_transformer_encoder_layer_fwd)
            # that has no ONNX symbolic; sequence-first keeps the plain, exportable ops.
            layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout=0.0,
                                               activation="gelu", batch_first=False)
            self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, vocab)

        def forward(self, ids):  # ids: [batch, seq] int64 -> logits [batch, seq, vocab]
            x = self.tok(ids) + self.pos.weight[: ids.shape[1]]
            x = self.encoder(x.transpose(0, 1)).transpose(0, 1)
            return self.head(self.norm(x))

    return TinyEncoder()


def make_bert(vocab=8192, seq=128, d_model=256, heads=4, ff=1024, layers=4):
    """BERT-like encoder, written out by hand like HF's BertModel: word + position +
    token-type embeddings and LayerNorm, post-LN layers with a padding attention mask
    (additive -10000 on masked keys), exact-erf GELU, and a tanh pooler on token 0."""
    nn = torch.nn
    head_dim = d_model // heads

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.q = nn.Linear(d_model, d_model)
            self.k = nn.Linear(d_model, d_model)
            self.v = nn.Linear(d_model, d_model)
            self.o = nn.Linear(d_model, d_model)
            self.norm1 = nn.LayerNorm(d_model, eps=1e-12)
            self.fc1 = nn.Linear(d_model, ff)
            self.fc2 = nn.Linear(ff, d_model)
            self.norm2 = nn.LayerNorm(d_model, eps=1e-12)
            self.act = nn.GELU()

        def split_heads(self, x):  # [B, T, C] -> [B, H, T, D]
            return x.view(x.shape[0], x.shape[1], heads, head_dim).transpose(1, 2)

        def forward(self, x, mask):
            q, k, v = (self.split_heads(proj(x)) for proj in (self.q, self.k, self.v))
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(head_dim) + mask
            ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
            ctx = ctx.transpose(1, 2).reshape(x.shape[0], x.shape[1], d_model)
            x = self.norm1(x + self.o(ctx))
            return self.norm2(x + self.fc2(self.act(self.fc1(x))))

    class Bert(nn.Module):
        def __init__(self):
            super().__init__()
            self.word = nn.Embedding(vocab, d_model)
            self.pos = nn.Embedding(seq, d_model)
            self.token_type = nn.Embedding(2, d_model)
            self.emb_norm = nn.LayerNorm(d_model, eps=1e-12)
            self.layers = nn.ModuleList(Layer() for _ in range(layers))
            self.pooler = nn.Linear(d_model, d_model)

        def forward(self, ids, attention_mask):  # int64 [B, T] each
            positions = torch.arange(ids.shape[1], dtype=torch.int64).unsqueeze(0)
            x = self.word(ids) + self.pos(positions) + self.token_type(torch.zeros_like(ids))
            x = self.emb_norm(x)
            # [B, T] 1 = attend, 0 = padding -> additive [B, 1, 1, T]
            mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
            for layer in self.layers:
                x = layer(x, mask)
            return x, torch.tanh(self.pooler(x[:, 0]))

    return Bert()


def make_gpt2(vocab=8192, seq=128, d_model=256, heads=4, layers=4):
    """GPT-2-like decoder: token + position embeddings, pre-LN blocks with causal
    self-attention (fused QKV projection, masked_fill on a lower-triangular mask), tanh GELU
    MLP, final LayerNorm and an LM head tied to the token embedding."""
    nn = torch.nn
    head_dim = d_model // heads

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(d_model)
            self.qkv = nn.Linear(d_model, 3 * d_model)
            self.proj = nn.Linear(d_model, d_model)
            self.norm2 = nn.LayerNorm(d_model)
            self.fc = nn.Linear(d_model, 4 * d_model)
            self.out = nn.Linear(4 * d_model, d_model)
            self.act = nn.GELU(approximate="tanh")
            self.register_buffer("causal", torch.tril(torch.ones(seq, seq, dtype=torch.bool))
                                 .view(1, 1, seq, seq), persistent=False)

        def attn(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(x).split(d_model, dim=2)
            q, k, v = (y.view(b, t, heads, head_dim).transpose(1, 2) for y in (q, k, v))
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(head_dim)
            scores = scores.masked_fill(~self.causal[:, :, :t, :t], torch.finfo(scores.dtype).min)
            y = torch.matmul(torch.softmax(scores, dim=-1), v)
            return self.proj(y.transpose(1, 2).reshape(b, t, c))

        def forward(self, x):
            x = x + self.attn(self.norm1(x))
            return x + self.out(self.act(self.fc(self.norm2(x))))

    class Gpt2(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(vocab, d_model)
            self.wpe = nn.Embedding(seq, d_model)
            self.blocks = nn.ModuleList(Block() for _ in range(layers))
            self.norm_f = nn.LayerNorm(d_model)

        def forward(self, ids):  # int64 [B, T] -> logits [B, T, vocab]
            positions = torch.arange(ids.shape[1], dtype=torch.int64).unsqueeze(0)
            x = self.wte(ids) + self.wpe(positions)
            for block in self.blocks:
                x = block(x)
            return torch.matmul(self.norm_f(x), self.wte.weight.t())  # tied LM head

    return Gpt2()


def build(kind):
    torch.manual_seed(SEED)  # default inits draw from the global RNG
    g = torch.Generator().manual_seed(SEED + 1)
    if kind == "transformer":
        ids = torch.randint(0, 1000, (1, 16), generator=g, dtype=torch.int64)
        return randomize_params(make_encoder(), g), (ids,)
    if kind == "bert":
        ids = torch.randint(0, 8192, (1, 128), generator=g, dtype=torch.int64)
        mask = torch.ones(1, 128, dtype=torch.int64)
        mask[:, 100:] = 0  # the last 28 tokens are padding
        return randomize_params(make_bert(), g), (ids, mask)
    if kind == "gpt2":
        ids = torch.randint(0, 8192, (1, 128), generator=g, dtype=torch.int64)
        return randomize_params(make_gpt2(), g), (ids,)
    image = torch.randn(1, 3, 224, 224, generator=g)
    model = getattr(torchvision.models, kind)(weights=None)
    return randomize_constant_inits(model, g), (image,)


def dir_size(path):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)


def write_tensor(path, tensor, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(tensor.contiguous().numpy(), name).SerializeToString())


def up_to_date(final):
    stamp = os.path.join(final, ".stamp")
    return (os.path.exists(os.path.join(final, "model.onnx")) and os.path.exists(stamp)
            and open(stamp).read().strip() == SCRIPT_HASH)


def export_one(name, out_dir):
    spec = MODELS[name]
    final = os.path.join(out_dir, name)
    start = time.time()
    # Write into a scratch folder and rename at the end, so an interrupted run never
    # leaves a half-written model that looks complete.
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    data_dir = os.path.join(tmp, "test_data_set_0")
    os.makedirs(data_dir)
    model_path = os.path.join(tmp, "model.onnx")

    model, inputs = build(spec.build)
    model.eval()
    with torch.set_grad_enabled(spec.grad):
        outputs = model(*inputs)
        outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
        outputs = tuple(t.detach() for t in outputs)
        torch.onnx.export(model, inputs, model_path, opset_version=spec.opset,
                          do_constant_folding=True, input_names=spec.inputs,
                          output_names=spec.outputs)
    if spec.external:
        # The exporter writes one protobuf; re-save it with the weights split out, as
        # models past protobuf's 2 GB limit must be.
        onnx.save_model(onnx.load(model_path), model_path, save_as_external_data=True,
                        all_tensors_to_one_file=True, location="weights.bin",
                        size_threshold=1024)
    # A path (not a proto) lets the checker follow external data and skip the 2 GB limit.
    onnx.checker.check_model(model_path)

    graph = onnx.load(model_path, load_external_data=False).graph
    inits = {i.name for i in graph.initializer}
    graph_inputs = [i.name for i in graph.input if i.name not in inits]
    if len(graph_inputs) != len(inputs) or len(graph.output) != len(outputs):
        raise RuntimeError(f"graph has {len(graph_inputs)} inputs / {len(graph.output)} "
                           f"outputs, torch has {len(inputs)} / {len(outputs)}")
    for k, (gname, t) in enumerate(zip(graph_inputs, inputs)):
        write_tensor(os.path.join(data_dir, f"input_{k}.pb"), t, gname)
    for k, (gout, t) in enumerate(zip(graph.output, outputs)):
        if not torch.isfinite(t).all():
            raise RuntimeError(f"torch output {gout.name} is not finite")
        write_tensor(os.path.join(data_dir, f"output_{k}.pb"), t, gout.name)

    with open(os.path.join(tmp, ".stamp"), "w") as f:  # last: marks the export complete
        f.write(SCRIPT_HASH + "\n")
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    print(f"{name:20s} opset {spec.opset:2d}  {len(graph.node):4d} nodes  "
          f"{dir_size(final) / 2**20:8.2f} MiB  {time.time() - start:6.2f} s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="output folder (created if missing)")
    ap.add_argument("--only", help="comma-separated model names (may include opt-in ones)")
    ap.add_argument("--all", action="store_true", help="every model, opt-in ones included")
    ap.add_argument("--list", action="store_true", help="list models and exit")
    args = ap.parse_args()

    if args.list:
        for name, spec in MODELS.items():
            print(f"{name:20s} opset {spec.opset:2d}{'' if spec.default else '  (opt-in)'}")
        return 0
    if not args.out:
        ap.error("--out is required")
    if args.all and args.only:
        ap.error("--all and --only are exclusive")
    if args.all:
        names = list(MODELS)
    elif args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in MODELS]
        if unknown:
            ap.error(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(MODELS)}")
    else:
        names = [n for n, spec in MODELS.items() if spec.default]

    os.makedirs(args.out, exist_ok=True)
    failed = []
    for name in names:
        if up_to_date(os.path.join(args.out, name)):
            print(f"{name:20s} up to date, skipped")
            continue
        if torch is None:
            import_torch()
        try:
            export_one(name, args.out)
        except Exception as e:  # report every model, then fail once at the end
            print(f"{name:20s} FAILED: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
            failed.append(name)
    if failed:
        print(f"export.py: failed to export {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
