// The CPU executor's two rewrites of its step list (never of the graph):
//
// 1. Fusions. A Conv or Add whose only consumer is a Relu or a Clip with constant bounds asks
//    its kernel to clamp its output (XNNPACK's output_min/output_max; the float32 binary kernel
//    clamps each run while it is in cache). When the kernel accepts, the step writes the
//    clamp's output and the clamp's step disappears. A float32 Sigmoid whose only consumer is
//    Mul(x, Sigmoid(x)) becomes one SiLU step (kernels/cpu/fused_kernels.h) writing the Mul's
//    output: one pass over x instead of two plus the sigmoid's buffer.
// 2. Channels-last layout. XNNPACK computes NHWC while ONNX activations are NCHW; converting
//    around every Conv moved each activation twice (half of MobileNet-v2's time). Walking the
//    steps in order, a 4-D float value is kept channels-last when its producer can write it so
//    (an XNNPACK kernel; a broadcasting binary op whose inputs are channels-last or read the same
//    in both layouts, such as a squeeze-excite scale [N,C,1,1]; or a positionwise op whose every
//    full-size input is channels-last). A
//    consumer that needs NCHW gets one conversion step, shared by all such consumers, placed
//    just before the first of them. Graph outputs are always NCHW. Dims stay the ONNX ones; only
//    the bytes are permuted. A Transpose to NHWC dims (perm 0,2,3,1) of a channels-last value,
//    and one back to NCHW dims (perm 0,3,1,2) whose output may stay channels-last, move no
//    element: their output's bytes are their input's, so they become a copy (ConvNeXt wraps
//    every LayerNorm and MLP in such a pair: two transposes and a conversion each became two
//    copies).
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "executors/cpu/cpu_executor.h"
#include "kernels/cpu/nn_layout.h"

namespace tandem::executors {
namespace {

using kernels::cpu::CpuKernel;
using kernels::cpu::FusedClamp;
using kernels::cpu::KernelContext;

bool IsGraphOutput(const ir::Graph& g, ir::ValueId id) {
  for (ir::ValueId out : g.outputs()) {
    if (out == id) return true;
  }
  return false;
}

// The value of a scalar float constant input, or `fallback` when the input is omitted;
// nullopt when it is present but not a constant scalar.
std::optional<float> ConstantBound(const ir::Graph& g, const ir::Node& node, size_t i, float fallback) {
  if (i >= node.inputs.size() || !node.inputs[i].valid()) return fallback;
  const ir::Value& v = g.value(node.inputs[i]);
  if (v.kind != ir::ValueKind::kInitializer || v.initializer->dtype != ir::DType::kFloat32 ||
      v.initializer->num_elements() != 1) {
    return std::nullopt;
  }
  return v.initializer->values<float>()[0];
}

// Ops that map each element to one element at the same position (inputs of the output's full
// shape, or single-element ones), so they compute the same in any layout.
bool IsPositionwise(const ir::Node& node) {
  static const absl::flat_hash_set<std::string> kOps = {
      "Relu",  "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "LeakyRelu", "Elu",
      "Selu",  "Celu", "Softplus", "Softsign", "Exp", "Log", "Neg", "Abs", "Sqrt", "Erf",
      "Gelu",  "Mish", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Identity", "Add", "Sub",
      "Mul",   "Div", "Max", "Min", "Sum", "Mean", "Pow", "ThresholdedRelu", "Shrink"};
  return node.domain.empty() && kOps.contains(node.op_type);
}

// Whether a tensor of rank <= 4, right-aligned to rank 4, has one channel or one pixel, so its
// bytes read the same as NCHW and as NHWC.
bool SameInBothLayouts(const ir::TensorInfo& info) {
  auto sizes = info.shape.static_sizes();
  if (!sizes || sizes->size() > 4) return false;
  std::vector<int64_t> d(4 - sizes->size(), 1);
  d.insert(d.end(), sizes->begin(), sizes->end());
  return d[1] == 1 || d[2] * d[3] == 1;
}

int64_t NumElements(const ir::TensorInfo& info) {
  auto sizes = info.shape.static_sizes();
  if (!sizes) return -1;
  int64_t n = 1;
  for (int64_t d : *sizes) n *= d;
  return n;
}

// NHWC → NCHW of one 4-D float value, a step the layout pass inserts.
class ToChannelsFirstKernel final : public CpuKernel {
 public:
  absl::Status Run(const KernelContext& ctx) override {
    const kernels::cpu::TensorView& x = ctx.inputs[0];
    kernels::cpu::nn::NhwcToNchw(x.as<const float>(), ctx.outputs[0].as<float>(), x.dims[0], x.dims[1],
                                 x.dims[2] * x.dims[3], ctx.threadpool);
    return absl::OkStatus();
  }
};

// A Transpose whose output bytes are its input's, as the layouts fall (see 2. above).
class SameBytesKernel final : public CpuKernel {
 public:
  absl::Status Run(const KernelContext& ctx) override {
    const size_t bytes = ctx.outputs[0].byte_size();
    if (bytes > 0) std::memcpy(ctx.outputs[0].data, ctx.inputs[0].data, bytes);
    return absl::OkStatus();
  }
};

bool IsTranspose(const ir::Node& node, std::initializer_list<int64_t> perm) {
  return node.domain.empty() && node.op_type == "Transpose" && node.inputs.size() == 1 &&
         node.outputs.size() == 1 && node.GetInts("perm") == std::vector<int64_t>(perm);
}

}  // namespace

std::optional<FusedClamp> CpuExecutor::FusableClamp(const ir::Graph& g, const ir::Node& node,
                                                    ir::NodeId* clamp_node) {
  // Conv (XNNPACK's output clamp) and Add (the residual sum before a ResNet block's Relu).
  if (!node.domain.empty() || (node.op_type != "Conv" && node.op_type != "Add") || node.outputs.size() != 1) {
    return std::nullopt;
  }
  const ir::ValueId out = node.outputs[0];
  if (!out.valid() || IsGraphOutput(g, out)) return std::nullopt;
  const ir::Value& v = g.value(out);
  if (v.info.dtype != ir::DType::kFloat32 || v.consumers.size() != 1) return std::nullopt;
  const ir::Node& next = g.node(v.consumers[0]);
  if (!next.domain.empty() || next.outputs.size() != 1 || next.inputs.empty() || next.inputs[0] != out) {
    return std::nullopt;
  }
  constexpr float kInf = std::numeric_limits<float>::infinity();
  FusedClamp clamp{-kInf, kInf};
  if (next.op_type == "Relu") {
    clamp.min = 0.0f;
  } else if (next.op_type == "Clip") {
    if (next.attr("min") || next.attr("max")) {  // opset < 11: bounds are attributes
      clamp.min = next.GetFloat("min", -kInf);
      clamp.max = next.GetFloat("max", kInf);
    } else {
      std::optional<float> lo = ConstantBound(g, next, 1, -kInf), hi = ConstantBound(g, next, 2, kInf);
      if (!lo || !hi) return std::nullopt;
      clamp = {*lo, *hi};
    }
  } else {
    return std::nullopt;
  }
  // XNNPACK needs min < max; equal or NaN bounds stay with the Clip kernel.
  if (!(clamp.min < clamp.max)) return std::nullopt;
  *clamp_node = v.consumers[0];
  return clamp;
}

bool CpuExecutor::FusableSilu(const ir::Graph& g, const ir::Node& node, ir::NodeId* mul_node) {
  if (!node.domain.empty() || node.op_type != "Sigmoid" || node.inputs.size() != 1 || node.outputs.size() != 1) {
    return false;
  }
  const ir::ValueId x = node.inputs[0], s = node.outputs[0];
  if (!x.valid() || !s.valid() || IsGraphOutput(g, s)) return false;
  const ir::Value& sv = g.value(s);
  if (sv.info.dtype != ir::DType::kFloat32 || sv.consumers.size() != 1) return false;
  const ir::Node& mul = g.node(sv.consumers[0]);
  if (!mul.domain.empty() || mul.op_type != "Mul" || mul.inputs.size() != 2 || mul.outputs.size() != 1 ||
      !mul.outputs[0].valid()) {
    return false;
  }
  if (!((mul.inputs[0] == x && mul.inputs[1] == s) || (mul.inputs[0] == s && mul.inputs[1] == x))) return false;
  // No broadcasting: the product has x's static shape.
  const ir::TensorInfo& xi = g.value(x).info;
  const ir::TensorInfo& yi = g.value(mul.outputs[0]).info;
  auto x_dims = xi.shape.static_sizes();
  if (xi.dtype != ir::DType::kFloat32 || yi.dtype != ir::DType::kFloat32 || !x_dims ||
      yi.shape.static_sizes() != x_dims) {
    return false;
  }
  *mul_node = sv.consumers[0];
  return true;
}

void CpuExecutor::AssignLayouts() {
  const ir::Graph& g = graph_;
  const int num_values = g.num_values();
  std::vector<bool> channels_last(num_values, false);
  // A value may be channels-last when it is a 4-D float activation whose layouts differ (one
  // channel or one pixel reads the same either way) and the caller never sees it.
  auto eligible = [&](ir::ValueId id) {
    if (!id.valid() || id.value >= num_values) return false;
    const ir::Value& v = g.value(id);
    if (v.kind != ir::ValueKind::kNodeOutput || v.info.dtype != ir::DType::kFloat32) return false;
    auto sizes = v.info.shape.static_sizes();
    if (!sizes || sizes->size() != 4) return false;
    if ((*sizes)[1] == 1 || (*sizes)[2] * (*sizes)[3] == 1) return false;
    return !IsGraphOutput(g, id);
  };
  std::vector<int> converted(num_values, -1);  // value → its NCHW copy's synthetic id
  std::vector<Step> steps;
  steps.reserve(steps_.size());
  for (Step& step : steps_) {
    const ir::Node& node = g.node(step.node);
    auto is_cl = [&](ir::ValueId id) { return id.valid() && id.value < num_values && channels_last[id.value]; };
    const kernels::cpu::ChannelsLast support = step.kernel->channels_last_support();
    if (support == kernels::cpu::ChannelsLast::kAllInputs && step.outputs.size() == 1 &&
        eligible(step.outputs[0])) {
      // Every input channels-last or laid out the same either way, and at least one of them
      // channels-last (else NCHW costs nothing).
      bool any_cl = false, all_ok = true;
      for (ir::ValueId id : step.inputs) {
        if (!id.valid()) continue;
        if (is_cl(id)) {
          any_cl = true;
          continue;
        }
        all_ok = all_ok && SameInBothLayouts(g.value(id).info);
      }
      if (any_cl && all_ok) {
        step.kernel->SetChannelsLast(true, true);
        channels_last[step.outputs[0].value] = true;
        steps.push_back(std::move(step));
        continue;
      }
    }
    if (support == kernels::cpu::ChannelsLast::kInput0 && !step.inputs.empty()) {
      bool in = is_cl(step.inputs[0]);
      bool out = !step.outputs.empty() && eligible(step.outputs[0]);
      for (size_t i = 1; i < step.inputs.size(); ++i) {
        if (is_cl(step.inputs[i])) in = false, out = false;  // not expected: weights are constants
      }
      if (out) channels_last[step.outputs[0].value] = true;
      if (in || out) step.kernel->SetChannelsLast(in, out);
      steps.push_back(std::move(step));
      continue;
    }
    if (IsTranspose(node, {0, 2, 3, 1}) && step.inputs.size() == 1 && is_cl(step.inputs[0]) &&
        step.outputs.size() == 1 && step.outputs[0].valid()) {
      step.kernel = std::make_unique<SameBytesKernel>();  // NHWC bytes are the [N,H,W,C] output's
      steps.push_back(std::move(step));
      continue;
    }
    if (IsTranspose(node, {0, 3, 1, 2}) && step.inputs.size() == 1 && step.inputs[0].valid() &&
        !is_cl(step.inputs[0]) && step.outputs.size() == 1 && eligible(step.outputs[0]) &&
        g.value(step.inputs[0]).info.dtype == ir::DType::kFloat32) {
      step.kernel = std::make_unique<SameBytesKernel>();  // the [N,H,W,C] input is the output's NHWC
      channels_last[step.outputs[0].value] = true;
      steps.push_back(std::move(step));
      continue;
    }
    if (IsPositionwise(node) && step.outputs.size() == 1 && eligible(step.outputs[0])) {
      const int64_t n = NumElements(g.value(step.outputs[0]).info);
      bool all_cl = true, any_full = false;
      for (ir::ValueId id : step.inputs) {
        if (!id.valid()) continue;
        const int64_t k = NumElements(g.value(id).info);
        if (k == 1) continue;
        any_full = true;
        all_cl = all_cl && k == n && is_cl(id) &&
                 g.value(id).info.shape.static_sizes() == g.value(step.outputs[0]).info.shape.static_sizes();
      }
      if (any_full && all_cl) {
        channels_last[step.outputs[0].value] = true;
        steps.push_back(std::move(step));
        continue;
      }
    }
    // Everything else reads NCHW: channels-last inputs go through a conversion.
    for (ir::ValueId& id : step.inputs) {
      if (!is_cl(id)) continue;
      if (converted[id.value] < 0) {
        converted[id.value] = static_cast<int>(extra_values_.size()) + num_values;
        extra_values_.push_back(id);
        Step convert{std::make_unique<ToChannelsFirstKernel>(), step.node, {id},
                     {ir::ValueId(converted[id.value])}};
        steps.push_back(std::move(convert));
      }
      id = ir::ValueId(converted[id.value]);
    }
    steps.push_back(std::move(step));
  }
  steps_ = std::move(steps);
  channels_last_values_ = 0;
  for (bool b : channels_last) channels_last_values_ += b;
}

}  // namespace tandem::executors
