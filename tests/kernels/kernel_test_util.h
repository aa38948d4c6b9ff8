// Runs one CPU kernel on a one-node graph, for kernel unit tests.
//
//   NodeTest t("Add");
//   t.Input(Tensor::FromValues<float>(DType::kFloat32, {2}, {1, 2}));
//   t.ConstantInput(...);              // an initializer: the factory sees it as constant
//   t.Attr("axis", Attribute(int64_t{1}));
//   t.Output(DType::kFloat32, {2});    // static output info, as the importer would infer
//   ASSERT_OK_AND_ASSIGN(auto outs, t.Run(/*threads=*/2));
#ifndef TANDEM_TESTS_KERNELS_KERNEL_TEST_UTIL_H_
#define TANDEM_TESTS_KERNELS_KERNEL_TEST_UTIL_H_

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ir/graph.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

class NodeTest {
 public:
  explicit NodeTest(std::string op) : op_(std::move(op)) {}

  NodeTest& Input(ir::Tensor t) { inputs_.push_back({std::move(t), false, true}); return *this; }
  NodeTest& ConstantInput(ir::Tensor t) { inputs_.push_back({std::move(t), true, true}); return *this; }
  NodeTest& OmittedInput() { inputs_.push_back({{}, false, false}); return *this; }
  NodeTest& Attr(const std::string& name, ir::Attribute a) { attrs_[name] = std::move(a); return *this; }
  NodeTest& Domain(std::string domain) { domain_ = std::move(domain); return *this; }
  NodeTest& Output(ir::DType dtype, std::vector<int64_t> dims) {
    outputs_.push_back({dtype, ir::Shape::Static(dims)});
    return *this;
  }

  // Builds the graph, creates the kernel through the default registry and runs it.
  absl::StatusOr<std::vector<ir::Tensor>> Run(int threads = 1) {
    ir::Graph g("node_test");
    ir::Node node;
    node.name = "n";
    node.op_type = op_;
    node.domain = domain_;
    node.attributes = attrs_;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const InputSpec& in = inputs_[i];
      if (!in.present) { node.inputs.emplace_back(); continue; }
      std::string name = absl::StrCat("in", i);
      absl::StatusOr<ir::ValueId> id =
          in.constant ? g.AddInitializer(name, in.tensor)
                      : g.AddInput(name, {in.tensor.dtype, ir::Shape::Static(in.tensor.dims)});
      if (!id.ok()) return id.status();
      node.inputs.push_back(*id);
    }
    for (size_t i = 0; i < outputs_.size(); ++i) {
      auto id = g.AddNodeOutput(absl::StrCat("out", i), outputs_[i]);
      if (!id.ok()) return id.status();
      node.outputs.push_back(*id);
    }
    auto added = g.AddNode(node);
    if (!added.ok()) return added.status();
    auto kernel = KernelRegistry::Default().Create(g, g.node(*added));
    if (!kernel.ok()) return kernel.status();

    std::vector<TensorView> in_views;
    for (const InputSpec& in : inputs_) {
      if (!in.present) { in_views.emplace_back(); continue; }
      in_views.push_back(TensorView{in.tensor.dtype, Dims(in.tensor.dims.begin(), in.tensor.dims.end()),
                                    const_cast<uint8_t*>(in.tensor.data.data())});
    }
    std::vector<ir::Tensor> outs;
    std::vector<std::vector<uint8_t>> buffers;
    std::vector<TensorView> out_views;
    for (const ir::TensorInfo& info : outputs_) {
      auto dims = *info.shape.static_sizes();
      TensorView v{info.dtype, Dims(dims.begin(), dims.end()), nullptr};
      buffers.emplace_back(v.byte_size() + 16, 0xCD);  // poison: kernels must write every byte
      v.data = buffers.back().data();
      out_views.push_back(v);
    }
    pthreadpool_t pool = threads > 1 ? pthreadpool_create(threads) : nullptr;
    KernelContext ctx{in_views, absl::MakeSpan(out_views), pool};
    absl::Status s = (*kernel)->Run(ctx);
    if (pool) pthreadpool_destroy(pool);
    if (!s.ok()) return s;
    for (size_t i = 0; i < outputs_.size(); ++i) {
      const TensorView& v = out_views[i];
      std::vector<uint8_t> bytes(buffers[i].begin(), buffers[i].begin() + v.byte_size());
      outs.push_back(ir::Tensor{v.dtype, std::vector<int64_t>(v.dims.begin(), v.dims.end()),
                                ir::TensorData::Owned(std::move(bytes)), {}});
    }
    return outs;
  }

 private:
  struct InputSpec {
    ir::Tensor tensor;
    bool constant;
    bool present;
  };
  std::string op_;
  std::string domain_;  // "" is the default ONNX domain
  std::vector<InputSpec> inputs_;
  std::map<std::string, ir::Attribute, std::less<>> attrs_;
  std::vector<ir::TensorInfo> outputs_;
};

// The values of a tensor as a vector, for EXPECT_THAT(..., ElementsAre(...)).
template <typename T>
std::vector<T> Values(const ir::Tensor& t) {
  auto v = t.values<T>();
  return std::vector<T>(v.begin(), v.end());
}

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_TESTS_KERNELS_KERNEL_TEST_UTIL_H_
