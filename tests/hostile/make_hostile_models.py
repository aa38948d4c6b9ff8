#!/usr/bin/python3
"""Write tandem's hostile-model suite: crafted ONNX models that tandem must refuse clearly.

Run with Debian's interpreter (python3-onnx 1.12):
    /usr/bin/python3 tests/hostile/make_hostile_models.py --out DIR [--list]

Layout:
    DIR/<case>/model.onnx     one model per case (+ its side files: external data, links)
    DIR/_outside/             files that lie outside every model's folder (escape targets)
    DIR/_controls/<name>/     the valid models the cases are mutated from; they must load and run
    DIR/manifest.json         [{"name", "model", "stage", "code", "message", "inputs"?}, ...]
    DIR/controls.json         [{"name", "model", "inputs"}, ...]

"stage" is "load" (Session::Create must fail) or "run" (Create succeeds, Run with "inputs"
must fail). "code" is the absl status code's name and "message" a substring of the error (or
a list of substrings), naming the tensor, node, input or file involved.
tests/hostile/hostile_models_test.cc checks every case through the public API
(include/tandem/session.h).

The models are invalid on purpose, so nothing here calls onnx.checker. Output is
deterministic: the same script writes the same bytes.
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

OPSET = 13
PRODUCER = "make_hostile_models"
# The importer's default ImportOptions::max_subgraph_depth.
MAX_SUBGRAPH_DEPTH = 8

# ---------------------------------------------------------------------------------------------
# Valid models that the cases mutate.


def make_model(graph, opsets=(("", OPSET),), ir_version=8, functions=()):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                              ir_version=ir_version, producer_name=PRODUCER)
    model.functions.extend(functions)
    return model


def iota(n, dtype=np.float32):
    return np.arange(n, dtype=dtype)


def float_tensor(name, dims, values=None):
    """A float initializer with raw_data (iota unless `values` is given)."""
    count = int(np.prod(dims)) if dims else 1
    data = iota(count) if values is None else np.asarray(values, dtype=np.float32)
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=list(dims))
    t.raw_data = data.tobytes()
    return t


def io(name, dims, elem_type=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem_type, list(dims))


def relu_add(n=3):
    """Y = Relu(X) + W with X, W, Y: f32[2, n]. Node names: relu, add."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["X"], ["R"], name="relu"),
         helper.make_node("Add", ["R", "W"], ["Y"], name="add")],
        "g", [io("X", [2, n])], [io("Y", [2, n])], [float_tensor("W", [2, n])])
    return make_model(graph)


def two_inputs():
    """Y = X + Z, both f32[2, 3]."""
    graph = helper.make_graph([helper.make_node("Add", ["X", "Z"], ["Y"], name="add")], "g",
                              [io("X", [2, 3]), io("Z", [2, 3])], [io("Y", [2, 3])])
    return make_model(graph)


def conv(x_dims=(1, 3, 5, 5), k_dims=(2, 3, 3, 3)):
    """Y = Conv(X, K) with a 3x3 kernel. Node name: conv1."""
    node = helper.make_node("Conv", ["X", "K"], ["Y"], name="conv1", kernel_shape=[3, 3])
    graph = helper.make_graph([node], "g", [io("X", x_dims)],
                              [io("Y", [x_dims[0], k_dims[0], 3, 3])], [float_tensor("K", k_dims)])
    return make_model(graph)


def gemm(b_dims=(3, 4)):
    """Y = Gemm(A, B) with A: f32[2, 3]. Node name: gemm1."""
    graph = helper.make_graph([helper.make_node("Gemm", ["A", "B"], ["Y"], name="gemm1")], "g",
                              [io("A", [2, 3])], [io("Y", [2, b_dims[1]])],
                              [float_tensor("B", b_dims)])
    return make_model(graph)


def if_body(level, depth, leaf, counter):
    """A body at nesting `level` of `depth`: a leaf passes X through; otherwise it holds the
    next If, named "if<level+1>" (as tests/null/onnx_test_models_util.cc builds them)."""
    tag = str(counter[0])
    counter[0] += 1
    out = "out" + tag
    if leaf or level == depth:
        nodes = [helper.make_node("Identity", ["X"], [out], name="id" + tag)]
    else:
        then_branch = if_body(level + 1, depth, False, counter)
        else_branch = if_body(level + 1, depth, True, counter)
        nodes = [helper.make_node("If", ["C"], [out], name="if%d" % (level + 1),
                                  then_branch=then_branch, else_branch=else_branch)]
    return helper.make_graph(nodes, "body" + tag, [], [io(out, [2])])


def nested_if(depth):
    """Y = If(C) nested `depth` levels deep; inputs C: bool scalar, X: f32[2]."""
    counter = [0]
    g = if_body(0, depth, depth == 0, counter)
    g.name = "g"
    g.output[0].name = "Y"
    g.node[0].output[0] = "Y"
    g.input.extend([io("C", [], TensorProto.BOOL), io("X", [2])])
    return make_model(g)


RELU_ADD_INPUTS = [{"name": "X", "dtype": "f32", "shape": [2, 3]}]
CONTROLS = {
    "relu_add": (relu_add, RELU_ADD_INPUTS),
    "two_inputs": (two_inputs, [{"name": "X", "dtype": "f32", "shape": [2, 3]},
                                {"name": "Z", "dtype": "f32", "shape": [2, 3]}]),
    "conv": (conv, [{"name": "X", "dtype": "f32", "shape": [1, 3, 5, 5]}]),
    "gemm": (gemm, [{"name": "A", "dtype": "f32", "shape": [2, 3]}]),
    "nested_if": (lambda: nested_if(MAX_SUBGRAPH_DEPTH),
                  [{"name": "C", "dtype": "bool", "shape": []},
                   {"name": "X", "dtype": "f32", "shape": [2]}]),
}

# ---------------------------------------------------------------------------------------------
# The cases. Each function gets its case folder and returns the model (a ModelProto, or bytes
# for what is not a ModelProto at all); it may write side files next to it.

CASES = []


def case(code, message, stage="load", inputs=None):
    def register(fn):
        CASES.append({"name": fn.__name__, "fn": fn, "stage": stage, "code": code,
                      "message": message, "inputs": inputs})
        return fn
    return register


def node(model, name):
    return next(n for n in model.graph.node if n.name == name)


def initializer(model, name):
    return next(t for t in model.graph.initializer if t.name == name)


# ---- external data: W (f32[2, 3], 24 bytes) points at a file given by its location.

W_BYTES = iota(6).tobytes()


def external_w(location, offset=None, length=None):
    m = relu_add()
    w = initializer(m, "W")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            w.external_data.add(key=key, value=value)
    return m


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


@case("InvalidArgument", "tensor 'W': external data location '../_outside/secret.bin' leaves "
      "the model's folder")
def ext_dotdot_path(d):
    return external_w("../_outside/secret.bin")  # the file exists: only the path is wrong


@case("InvalidArgument", "tensor 'W': external data location '/etc/passwd' is absolute")
def ext_absolute_path(d):
    return external_w("/etc/passwd")


@case("InvalidArgument", "tensor 'W': external data location 'w.bin' resolves to")
def ext_symlink_out_of_folder(d):
    os.symlink("../_outside/secret.bin", os.path.join(d, "w.bin"))
    return external_w("w.bin")


@case("InvalidArgument", "tensor 'W': external data location 'sub/secret.bin' resolves to")
def ext_symlinked_folder_out(d):
    os.symlink("../_outside", os.path.join(d, "sub"))
    return external_w("sub/secret.bin")


@case("InvalidArgument", "tensor 'W': external data location 'w.bin' is a hard link")
def ext_hard_link_out_of_folder(d):
    # The same inode as _outside/hardlinked.bin: no path check can tell that it leads out.
    os.link(os.path.join(d, "..", "_outside", "hardlinked.bin"), os.path.join(d, "w.bin"))
    return external_w("w.bin")


@case("NotFound", "tensor 'W': external data file")
def ext_missing_file(d):
    return external_w("missing.bin")


@case("InvalidArgument", ["tensor 'W': '", "/folder' is not a regular file"])
def ext_location_is_a_folder(d):
    os.mkdir(os.path.join(d, "folder"))
    return external_w("folder")


@case("InvalidArgument", "tensor 'W': external data offset 1000 is outside 'w.bin' (24 bytes)")
def ext_offset_past_end(d):
    write(os.path.join(d, "w.bin"), W_BYTES)
    return external_w("w.bin", offset="1000", length="24")


@case("InvalidArgument", "tensor 'W': external data [offset 8, length 24] runs past the end of "
      "'w.bin'")
def ext_length_past_end(d):
    write(os.path.join(d, "w.bin"), W_BYTES)
    return external_w("w.bin", offset="8", length="24")


@case("InvalidArgument", "initializer 'W': external data offset '-8' is not a valid non-negative "
      "integer")
def ext_negative_offset(d):
    write(os.path.join(d, "w.bin"), W_BYTES)
    return external_w("w.bin", offset="-8", length="24")


@case("InvalidArgument", "tensor 'W': external data offset 9223372036854775807 is outside 'w.bin'")
def ext_overflowing_offset(d):
    write(os.path.join(d, "w.bin"), W_BYTES)
    return external_w("w.bin", offset=str(2**63 - 1), length="24")


@case("InvalidArgument", "tensor 'W': external data [offset 16, length 9223372036854775807] runs "
      "past the end of 'w.bin'")
def ext_overflowing_offset_plus_length(d):
    write(os.path.join(d, "w.bin"), W_BYTES)
    return external_w("w.bin", offset="16", length=str(2**63 - 1))


@case("InvalidArgument", "initializer 'W': external data length 'lots' is not a valid "
      "non-negative integer")
def ext_non_numeric_length(d):
    write(os.path.join(d, "w.bin"), W_BYTES)
    return external_w("w.bin", offset="0", length="lots")


@case("InvalidArgument", "tensor 'W': external data has 20 bytes but its dtype and shape need 24")
def ext_length_not_matching_shape(d):
    write(os.path.join(d, "w.bin"), W_BYTES)
    return external_w("w.bin", offset="0", length="20")


# ---- tensors


@case("InvalidArgument", "initializer 'W': raw_data has 20 bytes but dtype f32 × shape need 24")
def raw_data_size_mismatch(d):
    m = relu_add()
    initializer(m, "W").raw_data = W_BYTES[:20]  # f32[2, 3] needs 24
    return m


@case("InvalidArgument", "initializer 'W': element count overflows int64")
def element_count_overflow(d):
    m = relu_add()
    w = initializer(m, "W")
    w.dims[:] = [2**40, 2**40]
    return m


@case("InvalidArgument", "initializer 'W': negative dimension -3")
def negative_initializer_dim(d):
    m = relu_add()
    initializer(m, "W").dims[1] = -3
    return m


def huge_w(with_data):
    """Y = X + W with W: f32[2^40] (4 TiB) and X: f32[1]."""
    w = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[2**40])
    if with_data:
        w.raw_data = iota(4).tobytes()
    graph = helper.make_graph([helper.make_node("Add", ["X", "W"], ["Y"], name="add")], "g",
                              [io("X", [1])], [io("Y", [2**40])], [w])
    return make_model(graph)


@case("InvalidArgument", "TensorProto (tensor name: W) should contain one and only one value field")
def huge_initializer_without_data(d):
    return huge_w(False)


@case("InvalidArgument", "initializer 'W': raw_data has 16 bytes but dtype f32 × shape need "
      "4398046511104")
def huge_initializer_with_16_bytes(d):
    return huge_w(True)


@case("ResourceExhausted", "value 'C' f32[1099511627776] (written by ConstantOfShape \"fill\") "
      "needs 4194304.00 MiB, more than the CPU and GPU budgets together")
def huge_constant_of_shape(d):
    """Folding ConstantOfShape([2^40]) would allocate 4 TiB."""
    shape = TensorProto(name="S", data_type=TensorProto.INT64, dims=[1])
    shape.raw_data = np.array([2**40], dtype=np.int64).tobytes()
    graph = helper.make_graph(
        [helper.make_node("ConstantOfShape", ["S"], ["C"], name="fill"),
         helper.make_node("Add", ["X", "C"], ["Y"], name="add")],
        "g", [io("X", [1])], [io("Y", [2**40])], [shape])
    return make_model(graph)


@case("ResourceExhausted", "value 'Y' f32[1099511627776] (written by Expand \"expand\") needs")
def huge_expand_of_input(d):
    """Expand(X, [2^40]) on an input: the output would need 4 TiB at run time."""
    shape = TensorProto(name="S", data_type=TensorProto.INT64, dims=[1])
    shape.raw_data = np.array([2**40], dtype=np.int64).tobytes()
    graph = helper.make_graph([helper.make_node("Expand", ["X", "S"], ["Y"], name="expand")], "g",
                              [io("X", [1])], [io("Y", [2**40])], [shape])
    return make_model(graph)


def resize(scales):
    """Y = Resize(X, scales) with X: f32[1, 1, 1, 2] (nearest)."""
    sc = float_tensor("SC", [4], scales)
    graph = helper.make_graph([helper.make_node("Resize", ["X", "", "SC"], ["Y"], name="resize")],
                              "g", [io("X", [1, 1, 1, 2])], [io("Y", ["n", "c", "h", "w"])], [sc])
    return make_model(graph)


@case("ResourceExhausted", "value 'Y' f32[1,1,1,1099511627776] (written by Resize \"resize\") "
      "needs")
def huge_resize(d):
    """The CPU kernel's tables are sized by the output: refused before any kernel is built."""
    return resize([1, 1, 1, 2.0**39])


@case("InvalidArgument", "value 'Y': element count overflows int64")
def resize_overflowing_int64(d):
    return resize([1, 1, 1e12, 1e12])


@case("InvalidArgument", "(op_type:Add, node name: add): B typestr: T, has unsupported type: "
      "tensor(string)")
def string_initializer_fed_to_add(d):
    m = relu_add()
    w = initializer(m, "W")
    w.ClearField("raw_data")
    w.data_type = TensorProto.STRING
    w.string_data.extend([b"a", b"b", b"c", b"d", b"e", b"f"])
    return m


# ---- graphs


@case("InvalidArgument", "input 'Y' of node: \nname: relu OpType: Relu")
def cycle(d):
    m = relu_add()
    node(m, "relu").input[0] = "Y"  # relu reads add's output, add reads relu's
    return m


@case("InvalidArgument", "input 'nowhere' of node: \nname: add OpType: Add")
def undefined_node_input(d):
    m = relu_add()
    node(m, "add").input[1] = "nowhere"
    return m


@case("InvalidArgument", "'R' has been used as output names multiple times")
def two_nodes_write_one_value(d):
    m = relu_add()
    m.graph.node.append(helper.make_node("Relu", ["X"], ["R"], name="relu2"))
    return m


@case("InvalidArgument", "'W' has been used as output names multiple times")
def node_output_shadows_initializer(d):
    m = relu_add()
    node(m, "relu").output[0] = "W"
    node(m, "add").input[0] = "W"
    return m


@case("InvalidArgument", "W initializer name is not unique")
def duplicate_initializer(d):
    m = relu_add()
    m.graph.initializer.append(float_tensor("W", [2, 3]))
    return m


@case("InvalidArgument", "'X' has been used as graph input names multiple times")
def duplicate_graph_input(d):
    m = relu_add()
    m.graph.input.append(io("X", [2, 3]))
    return m


@case("InvalidArgument", "output 'Ghost' is never produced")
def graph_output_never_produced(d):
    m = relu_add()
    m.graph.output.append(io("Ghost", [2, 3]))
    return m


@case("InvalidArgument", "imports no operator set")
def missing_opset_import(d):
    m = relu_add()
    del m.opset_import[:]
    return m


@case("Unimplemented", "the model imports opset 9999 of domain 'ai.onnx', newer than the latest")
def opset_newer_than_onnx(d):
    m = relu_add()
    m.opset_import[0].version = 9999
    return m


@case("InvalidArgument", "opset import for domain 'ai.onnx' has version 0")
def opset_version_zero(d):
    m = relu_add()
    m.opset_import[0].version = 0
    return m


@case("InvalidArgument", "ir_version 99 is newer than this ONNX")
def ir_version_newer_than_onnx(d):
    m = relu_add()
    m.ir_version = 99
    return m


@case("InvalidArgument", "initializer 'W': unknown data type 99")
def initializer_of_unknown_dtype(d):
    m = relu_add()
    initializer(m, "W").data_type = 99
    return m


@case("InvalidArgument", "input 'X': unknown data type 99")
def input_of_unknown_dtype(d):
    m = relu_add()
    m.graph.input[0].type.tensor_type.elem_type = 99
    return m


@case("Unimplemented", "sparse initializer 'S'")
def sparse_initializer(d):
    m = relu_add()
    values = float_tensor("S", [2], [1.0, 2.0])
    indices = TensorProto(name="S_indices", data_type=TensorProto.INT64, dims=[2])
    indices.raw_data = np.array([0, 5], dtype=np.int64).tobytes()
    m.graph.sparse_initializer.append(helper.make_sparse_tensor(values, indices, [2, 3]))
    return m


@case("Unimplemented", "node Frobnicate \"relu\"")
def unknown_op_in_default_domain(d):
    m = relu_add()
    node(m, "relu").op_type = "Frobnicate"
    return m


@case("InvalidArgument", "node com.example.Relu \"relu\" uses domain 'com.example'")
def domain_not_imported(d):
    m = relu_add()
    node(m, "relu").domain = "com.example"
    return m


@case("Unimplemented", "node com.example.Relu \"relu\"")
def unknown_domain(d):
    m = relu_add()
    m.opset_import.append(helper.make_opsetid("com.example", 1))
    node(m, "relu").domain = "com.example"
    return m


@case("InvalidArgument", "Mismatched attribute type in 'conv1 : kernel_shape'")
def attribute_of_wrong_type(d):
    m = conv()
    ks = node(m, "conv1").attribute[0]
    ks.ClearField("ints")
    ks.type = onnx.AttributeProto.STRING
    ks.s = b"3x3"
    return m


@case("InvalidArgument", "node Conv \"conv1\": attribute 'strides' must be positive, got 0")
def conv_zero_stride(d):
    m = conv()
    node(m, "conv1").attribute.append(helper.make_attribute("strides", [0, 0]))
    return m


@case("InvalidArgument", "node MaxPool \"pool\": attribute 'strides' must be positive, got 0")
def maxpool_zero_stride(d):
    pool = helper.make_node("MaxPool", ["X"], ["Y"], name="pool", kernel_shape=[2, 2],
                            strides=[0, 0])
    graph = helper.make_graph([pool], "g", [io("X", [1, 1, "h", "w"])],
                              [io("Y", [1, 1, "oh", "ow"])])
    return make_model(graph)


@case("InvalidArgument", ["Required attribute 'to' is missing", "Name: to_int OpType: Cast"])
def missing_required_attribute(d):
    m = relu_add()
    # Cast without `to`.
    m.graph.node.append(helper.make_node("Cast", ["Y"], ["Z"], name="to_int"))
    m.graph.output.append(io("Z", [2, 3], TensorProto.INT64))
    return m


@case("InvalidArgument", "node name: conv1): [ShapeInferenceError] input 0 has rank 4 but the weight (input 1) has rank 3")
def conv_weight_rank_mismatch(d):
    return conv(k_dims=(2, 3, 3))


@case("InvalidArgument", "Conv \"conv1\": W [2,4,3,3] does not fit X [1,3,5,5] with group 1")
def conv_channel_mismatch(d):
    return conv(x_dims=(1, 3, 5, 5), k_dims=(2, 4, 3, 3))


@case("InvalidArgument", "Gemm \"gemm1\": inner dimensions differ: 3 vs 4")
def gemm_inner_dimension_mismatch(d):
    return gemm(b_dims=(4, 5))


@case("InvalidArgument", ["node If \"if%d\"" % (MAX_SUBGRAPH_DEPTH + 1),
                          "is nested %d levels deep; the limit is %d"
                          % (MAX_SUBGRAPH_DEPTH + 1, MAX_SUBGRAPH_DEPTH)])
def subgraphs_nested_too_deep(d):
    return nested_if(MAX_SUBGRAPH_DEPTH + 2)


@case("InvalidArgument", ["(op_type:If, node name: branch)",
                          "then_branch and else_branch produce different number of outputs"])
def if_branches_with_different_output_counts(d):
    m = nested_if(1)
    if_node = m.graph.node[0]
    if_node.name = "branch"
    else_branch = next(a for a in if_node.attribute if a.name == "else_branch").g
    else_branch.node.append(helper.make_node("Identity", ["X"], ["extra_out"], name="extra"))
    else_branch.output.append(io("extra_out", [2]))
    return m


def calls(fn_name, name):
    return helper.make_node(fn_name, ["x"], ["y"], name=name, domain="local")


def local_function(fn_name, callee):
    return helper.make_function("local", fn_name, ["x"], ["y"], [calls(callee, "call_" + callee)],
                                [helper.make_opsetid("", OPSET), helper.make_opsetid("local", 1)])


def calling_model(functions):
    graph = helper.make_graph([helper.make_node("F", ["X"], ["Y"], name="call", domain="local")],
                              "g", [io("X", [2, 3])], [io("Y", [2, 3])])
    return make_model(graph, opsets=(("", OPSET), ("local", 1)), functions=functions)


@case("Unimplemented", "node local.F \"call\" calls the model-local function 'F'")
def recursive_function(d):
    return calling_model([local_function("F", "F")])


@case("Unimplemented", "node local.F \"call\" calls the model-local function 'F'")
def mutually_recursive_functions(d):
    return calling_model([local_function("F", "G"), local_function("G", "F")])


@case("InvalidArgument", "the model has no graph")
def model_without_graph(d):
    m = relu_add()
    m.ClearField("graph")
    return m


@case("InvalidArgument", "the model has no graph")
def empty_file(d):
    return b""


@case("InvalidArgument", "not a valid ONNX model")
def truncated_protobuf(d):
    data = relu_add(512).SerializeToString()  # 4 KiB of W: the importer's borrowed path
    return data[:len(data) // 2]


@case("InvalidArgument", "not a valid ONNX model")
def random_garbage_bytes(d):
    return np.random.RandomState(7).bytes(4096)


# ---- run time: Session::Run on the CPU with inputs that do not fit the model.


@case("InvalidArgument", "'x' is not an input of the model (inputs: X)", stage="run",
      inputs=[{"name": "x", "dtype": "f32", "shape": [2, 3]}])
def run_wrong_input_name(d):
    return relu_add()


@case("InvalidArgument", "input 'X' must be f32[2,3], got i64[2,3]", stage="run",
      inputs=[{"name": "X", "dtype": "i64", "shape": [2, 3]}])
def run_wrong_input_dtype(d):
    return relu_add()


@case("InvalidArgument", "input 'X' must be f32[2,3], got f32[6]", stage="run",
      inputs=[{"name": "X", "dtype": "f32", "shape": [6]}])
def run_wrong_input_rank(d):
    return relu_add()


@case("InvalidArgument", "input 'X' must be f32[2,3], got f32[2,4]", stage="run",
      inputs=[{"name": "X", "dtype": "f32", "shape": [2, 4]}])
def run_wrong_input_dim(d):
    return relu_add()


@case("InvalidArgument", "input 'Z' is missing", stage="run",
      inputs=[{"name": "X", "dtype": "f32", "shape": [2, 3]}])
def run_missing_input(d):
    return two_inputs()


def index_model(op, indices, index_dims, out_dims, **attrs):
    """Y = op(X, I[, U]) with X: f32[2, 3] and the constant indices I."""
    inits = [TensorProto(name="I", data_type=TensorProto.INT64, dims=index_dims)]
    inits[0].raw_data = np.array(indices, dtype=np.int64).tobytes()
    inputs = ["X", "I"]
    if op.startswith("Scatter"):
        update_dims = [1, 3] if op == "ScatterND" else index_dims
        inits.append(float_tensor("U", update_dims))
        inputs.append("U")
    graph = helper.make_graph([helper.make_node(op, inputs, ["Y"], name="index", **attrs)], "g",
                              [io("X", [2, 3])], [io("Y", out_dims)], inits)
    return make_model(graph)


@case("InvalidArgument", "Gather \"index\": index 7 is out of range for a dim of size 2",
      stage="run", inputs=RELU_ADD_INPUTS)
def run_gather_index_out_of_range(d):
    return index_model("Gather", [7], [1], [1, 3])


@case("InvalidArgument", "ScatterND \"index\": index 100 is out of range for a dim of size 2",
      stage="run", inputs=RELU_ADD_INPUTS)
def run_scatter_nd_index_out_of_range(d):
    return index_model("ScatterND", [100], [1, 1], [2, 3])


@case("InvalidArgument", "GatherElements \"index\": index -9 is out of range for a dim of size 3",
      stage="run", inputs=RELU_ADD_INPUTS)
def run_gather_elements_negative_index(d):
    return index_model("GatherElements", [-9], [1, 1], [1, 1], axis=1)


# ---------------------------------------------------------------------------------------------


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def write_model(path, model):
    write(path, model if isinstance(model, bytes) else model.SerializeToString())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="folder to write the suite into")
    parser.add_argument("--list", action="store_true", help="print the case names and exit")
    args = parser.parse_args()
    if args.list:
        print("\n".join(c["name"] for c in CASES))
        return 0

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    # Only what this script writes is removed, never the rest of --out.
    outside = os.path.join(out, "_outside")
    fresh_dir(outside)
    write(os.path.join(outside, "secret.bin"), W_BYTES)
    write(os.path.join(outside, "hardlinked.bin"), W_BYTES)

    controls = []
    for name, (build, inputs) in sorted(CONTROLS.items()):
        folder = os.path.join(out, "_controls", name)
        fresh_dir(folder)
        write_model(os.path.join(folder, "model.onnx"), build())
        controls.append({"name": name, "model": "_controls/%s/model.onnx" % name,
                         "inputs": inputs})

    manifest = []
    for c in CASES:
        folder = os.path.join(out, c["name"])
        fresh_dir(folder)
        write_model(os.path.join(folder, "model.onnx"), c["fn"](folder))
        entry = {k: c[k] for k in ("name", "stage", "code", "message")}
        entry["model"] = c["name"] + "/model.onnx"
        if c["inputs"] is not None:
            entry["inputs"] = c["inputs"]
        manifest.append(entry)

    for name, data in (("manifest.json", manifest), ("controls.json", controls)):
        with open(os.path.join(out, name), "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
    print("wrote %d hostile models and %d controls to %s" % (len(manifest), len(controls), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
