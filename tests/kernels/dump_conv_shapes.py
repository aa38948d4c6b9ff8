#!/usr/bin/python3
"""Lists a model's Conv layers for tandem-conv-backend-bench (tests/kernels/conv_backend_bench.cc).

One line per distinct convolution: input N C H W, output channels, kernel, strides, pads
(top left bottom right), dilations, group, whether it has a bias, whether its only consumer is a
Relu (which the CPU executor fuses), and how often it occurs.

    /usr/bin/python3 tests/kernels/dump_conv_shapes.py MODEL.onnx [MODEL.onnx ...] --out DIR

writes DIR/<model folder name>.convs for each model.
"""
import argparse
import collections
import os

import onnx
from onnx import shape_inference


def dims(value_info):
    return [d.dim_value for d in value_info.type.tensor_type.shape.dim]


def conv_lines(path):
    graph = shape_inference.infer_shapes(onnx.load(path)).graph
    shapes = {v.name: dims(v) for v in list(graph.value_info) + list(graph.input) + list(graph.output)}
    weights = {t.name: list(t.dims) for t in graph.initializer}
    consumers = collections.defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)
    counts = collections.Counter()
    for node in graph.node:
        if node.op_type != "Conv":
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        x, w = shapes[node.input[0]], weights[node.input[1]]
        if len(x) != 4:
            continue  # the benchmark is 2-D only
        strides = attrs.get("strides", [1, 1])
        pads = attrs.get("pads", [0, 0, 0, 0])
        dilations = attrs.get("dilations", [1, 1])
        bias = len(node.input) > 2 and node.input[2] != ""
        users = consumers[node.output[0]]
        relu = len(users) == 1 and users[0].op_type == "Relu"
        counts[tuple(x + [w[0]] + w[2:] + strides + pads + dilations + [attrs.get("group", 1), int(bias), int(relu)])] += 1
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for path in args.models:
        counts = conv_lines(path)
        name = os.path.basename(os.path.dirname(os.path.abspath(path)))
        with open(os.path.join(args.out, name + ".convs"), "w") as f:
            f.write("# N C H W M KH KW SH SW PT PL PB PR DH DW G BIAS RELU COUNT\n")
            for key, n in counts.items():
                f.write(" ".join(map(str, key + (n,))) + "\n")
        print(f"{name}: {len(counts)} distinct of {sum(counts.values())} convolutions")


if __name__ == "__main__":
    main()
