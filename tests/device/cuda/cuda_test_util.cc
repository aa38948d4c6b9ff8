#include "tests/device/cuda/cuda_test_util.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/float16.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/cuda/cuda_device_info.h"
#include "executors/cuda/cuda_executor.h"

namespace tandem::testing {

TestGraph::TestGraph() : graph_("test") { graph_.set_opset("", 17); }

ir::ValueId TestGraph::Input(const std::string& name, ir::DType dtype, const std::vector<int64_t>& dims) {
  return *graph_.AddInput(name, ir::TensorInfo{dtype, ir::Shape::Static(dims)});
}

ir::ValueId TestGraph::Constant(const std::string& name, ir::Tensor tensor) {
  return *graph_.AddInitializer(name, std::move(tensor));
}

ir::ValueId TestGraph::Add(const std::string& op, const std::vector<ir::ValueId>& inputs, ir::DType dtype,
                           const std::vector<int64_t>& dims, std::map<std::string, ir::Attribute> attrs) {
  return AddMulti(op, inputs, {{dtype, dims}}, std::move(attrs))[0];
}

std::vector<ir::ValueId> TestGraph::AddMulti(const std::string& op, const std::vector<ir::ValueId>& inputs,
                                             const std::vector<std::pair<ir::DType, std::vector<int64_t>>>& outputs,
                                             std::map<std::string, ir::Attribute> attrs) {
  ir::Node node;
  node.name = absl::StrCat(op, "_", counter_++);
  node.op_type = op;
  node.inputs = inputs;
  std::vector<ir::ValueId> ids;
  for (size_t i = 0; i < outputs.size(); ++i) {
    ids.push_back(*graph_.AddNodeOutput(absl::StrCat(node.name, "_out", i),
                                        ir::TensorInfo{outputs[i].first, ir::Shape::Static(outputs[i].second)}));
  }
  node.outputs = ids;
  for (auto& [k, v] : attrs) node.attributes[k] = std::move(v);
  graph_.AddNode(std::move(node)).value();
  return ids;
}

ir::Attribute Ints(std::vector<int64_t> v) { return ir::Attribute(std::move(v)); }
ir::Attribute Int(int64_t v) { return ir::Attribute(v); }
ir::Attribute Float(float v) { return ir::Attribute(v); }
ir::Attribute Str(std::string v) { return ir::Attribute(std::move(v)); }

ir::Tensor RandomF32(const std::vector<int64_t>& dims, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(ir::CheckedNumElements(dims).value_or(0));
  for (float& f : v) f = dist(rng);
  return ir::Tensor::FromValues(ir::DType::kFloat32, dims, v);
}

ir::Tensor F32(const std::vector<int64_t>& dims, const std::vector<float>& values) {
  return ir::Tensor::FromValues(ir::DType::kFloat32, dims, values);
}

ir::Tensor I64(const std::vector<int64_t>& dims, const std::vector<int64_t>& values) {
  return ir::Tensor::FromValues(ir::DType::kInt64, dims, values);
}

std::vector<ir::Tensor> RandomInputs(const ir::Graph& graph, uint32_t seed) {
  std::vector<ir::Tensor> inputs;
  std::mt19937 rng(seed);
  for (ir::ValueId id : graph.inputs()) {
    const ir::Value& v = graph.value(id);
    std::vector<int64_t> dims = *v.info.shape.static_sizes();
    int64_t n = ir::CheckedNumElements(dims).value_or(0);
    std::uniform_real_distribution<float> real(-1, 1);
    std::uniform_int_distribution<int> small(0, 2);
    switch (v.info.dtype) {
      case ir::DType::kFloat32:
        inputs.push_back(RandomF32(dims, rng()));
        break;
      case ir::DType::kFloat16: {
        std::vector<uint16_t> h(n);
        for (auto& x : h) x = FloatToHalfBits(real(rng));
        inputs.push_back(ir::Tensor::FromValues(ir::DType::kFloat16, dims, h));
        break;
      }
      case ir::DType::kInt64: {
        std::vector<int64_t> x(n);
        for (auto& e : x) e = small(rng);
        inputs.push_back(I64(dims, x));
        break;
      }
      case ir::DType::kInt32: {
        std::vector<int32_t> x(n);
        for (auto& e : x) e = small(rng);
        inputs.push_back(ir::Tensor::FromValues(ir::DType::kInt32, dims, x));
        break;
      }
      default: {
        std::vector<uint8_t> x(n * ir::DTypeSize(v.info.dtype));
        for (auto& e : x) e = small(rng) & 1;
        inputs.push_back(ir::Tensor::FromValues(v.info.dtype, dims, x));
        break;
      }
    }
  }
  return inputs;
}

std::string NoGpuReason() {
  std::string why;
  if (executors::cuda::ListGpus(&why).empty()) return why.empty() ? "no GPU" : why;
  return "";
}

absl::StatusOr<std::vector<ir::Tensor>> RunOnCpu(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs) {
  auto ex = executors::CpuExecutor::Create(graph, executors::CpuExecutorOptions{});
  if (!ex.ok()) return ex.status();
  return (*ex)->Run(inputs);
}

absl::StatusOr<std::vector<ir::Tensor>> RunOnGpu(const ir::Graph& graph, const std::vector<ir::Tensor>& inputs) {
  auto ex = executors::cuda::CudaExecutor::Create(graph, executors::cuda::CudaExecutorOptions{});
  if (!ex.ok()) return ex.status();
  return (*ex)->Run(inputs);
}

namespace {

double At(const ir::Tensor& t, int64_t i) {
  switch (t.dtype) {
    case ir::DType::kFloat16:
      return HalfBitsToFloat(t.values<uint16_t>()[i]);
    case ir::DType::kFloat32:
      return t.values<float>()[i];
    case ir::DType::kFloat64:
      return t.values<double>()[i];
    default:
      return static_cast<double>(t.IntAt(i));
  }
}

}  // namespace

std::string Compare(const ir::Tensor& got, const ir::Tensor& want, double rtol, double atol) {
  if (got.dtype != want.dtype || got.dims != want.dims) {
    return absl::StrCat("got ", ir::DTypeName(got.dtype), ir::Shape::Static(got.dims).ToString(), ", want ",
                        ir::DTypeName(want.dtype), ir::Shape::Static(want.dims).ToString());
  }
  for (int64_t i = 0; i < want.num_elements(); ++i) {
    double g = At(got, i), w = At(want, i);
    if (std::isnan(w) && std::isnan(g)) continue;
    if (!(std::fabs(g - w) <= atol + rtol * std::fabs(w))) {
      return absl::StrCat("element ", i, ": got ", g, ", want ", w);
    }
  }
  return "";
}

}  // namespace tandem::testing
