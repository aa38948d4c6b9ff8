// Like NodeTest (kernel_test_util.h), for kernels that take or give string tensors or size their
// outputs at run time. Strings travel as std::string arrays, as the CPU executor passes them.
//
//   ValueNodeTest t("Unique");
//   t.Input(F32({6}, {...})).Output(DType::kFloat32, {4});
//   auto outs = t.Run();                 // outputs pre-allocated: a size mismatch fails
//   auto outs = t.RunDynamic();          // outputs allocated by the kernel's AllocateOutput
#ifndef TANDEM_TESTS_KERNELS_VALUE_NODE_TEST_H_
#define TANDEM_TESTS_KERNELS_VALUE_NODE_TEST_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ir/graph.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

inline ir::Tensor Strings(std::vector<int64_t> dims, std::vector<std::string> values) {
  return ir::Tensor{ir::DType::kString, std::move(dims), {}, std::move(values)};
}

class ValueNodeTest {
 public:
  explicit ValueNodeTest(std::string op) : op_(std::move(op)) {}

  ValueNodeTest& Input(ir::Tensor t) {
    inputs_.push_back({std::move(t), true});
    return *this;
  }
  ValueNodeTest& OmittedInput() {
    inputs_.push_back({{}, false});
    return *this;
  }
  ValueNodeTest& Attr(const std::string& name, ir::Attribute a) {
    attrs_[name] = std::move(a);
    return *this;
  }
  // An output with static dims (what a static plan pre-allocates).
  ValueNodeTest& Output(ir::DType dtype, std::vector<int64_t> dims) {
    outputs_.push_back({{dtype, ir::Shape::Static(dims)}, true});
    return *this;
  }
  // An output whose shape the graph does not know (rank unknown).
  ValueNodeTest& DynamicOutput(ir::DType dtype) {
    outputs_.push_back({{dtype, ir::Shape()}, true});
    return *this;
  }
  ValueNodeTest& OmittedOutput() {
    outputs_.push_back({{}, false});
    return *this;
  }

  absl::StatusOr<std::vector<ir::Tensor>> Run(int threads = 1) { return RunImpl(threads, false); }
  absl::StatusOr<std::vector<ir::Tensor>> RunDynamic(int threads = 1) {
    return RunImpl(threads, true);
  }

 private:
  struct InputSpec {
    ir::Tensor tensor;
    bool present;
  };
  struct OutputSpec {
    ir::TensorInfo info;
    bool present;
  };

  static void* DataOf(ir::Tensor& t) {
    return t.dtype == ir::DType::kString ? static_cast<void*>(t.strings.data())
                                         : static_cast<void*>(const_cast<uint8_t*>(t.data.data()));
  }
  // A tensor of `dims`, poisoned (kernels must write every element) with 16 bytes of slack.
  static ir::Tensor NewTensor(ir::DType dtype, const Dims& dims) {
    ir::Tensor t;
    t.dtype = dtype;
    t.dims.assign(dims.begin(), dims.end());
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    if (dtype == ir::DType::kString) {
      t.strings.assign(static_cast<size_t>(n), "<unset>");
    } else {
      t.data = ir::TensorData::Owned(std::vector<uint8_t>(n * ir::DTypeSize(dtype) + 16, 0xCD));
    }
    return t;
  }

  class Allocator : public OutputAllocator {
   public:
    explicit Allocator(std::vector<ir::Tensor>& outs) : outs_(outs) {}
    absl::StatusOr<void*> Allocate(size_t i, const Dims& dims) override {
      outs_[i] = NewTensor(outs_[i].dtype, dims);
      return DataOf(outs_[i]);
    }

   private:
    std::vector<ir::Tensor>& outs_;
  };

  absl::StatusOr<std::vector<ir::Tensor>> RunImpl(int threads, bool dynamic) {
    ir::Graph g("value_node_test");
    ir::Node node;
    node.name = "n";
    node.op_type = op_;
    node.attributes = attrs_;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (!inputs_[i].present) {
        node.inputs.emplace_back();
        continue;
      }
      // Constants, as the executor's interpreter gives them (the factories see real shapes).
      auto id = g.AddInitializer(absl::StrCat("in", i), inputs_[i].tensor);
      if (!id.ok()) return id.status();
      node.inputs.push_back(*id);
    }
    for (size_t i = 0; i < outputs_.size(); ++i) {
      if (!outputs_[i].present) {
        node.outputs.emplace_back();
        continue;
      }
      auto id = g.AddNodeOutput(absl::StrCat("out", i), outputs_[i].info);
      if (!id.ok()) return id.status();
      node.outputs.push_back(*id);
    }
    auto added = g.AddNode(node);
    if (!added.ok()) return added.status();
    auto kernel = KernelRegistry::Default().Create(g, g.node(*added));
    if (!kernel.ok()) return kernel.status();

    std::vector<TensorView> in_views;
    for (InputSpec& in : inputs_) {
      if (!in.present) {
        in_views.emplace_back();
        continue;
      }
      in_views.push_back(TensorView{
          in.tensor.dtype, Dims(in.tensor.dims.begin(), in.tensor.dims.end()), DataOf(in.tensor)});
    }
    std::vector<ir::Tensor> outs(outputs_.size());
    std::vector<TensorView> out_views(outputs_.size());
    for (size_t i = 0; i < outputs_.size(); ++i) {
      if (!outputs_[i].present) continue;
      outs[i].dtype = outputs_[i].info.dtype;
      out_views[i].dtype = outs[i].dtype;
      auto sizes = outputs_[i].info.shape.static_sizes();
      if (dynamic || !sizes) continue;
      outs[i] = NewTensor(outs[i].dtype, Dims(sizes->begin(), sizes->end()));
      out_views[i] = TensorView{outs[i].dtype, Dims(sizes->begin(), sizes->end()), DataOf(outs[i])};
    }
    Allocator allocator(outs);
    pthreadpool_t pool = threads > 1 ? pthreadpool_create(threads) : nullptr;
    KernelContext ctx{in_views, absl::MakeSpan(out_views), pool, dynamic ? &allocator : nullptr};
    absl::Status s = (*kernel)->Run(ctx);
    if (pool) pthreadpool_destroy(pool);
    if (!s.ok()) return s;
    for (ir::Tensor& t : outs) {  // drop the slack
      if (t.dtype != ir::DType::kString && t.dtype != ir::DType::kUndefined) {
        int64_t n = t.num_elements() * ir::DTypeSize(t.dtype);
        t.data = ir::TensorData::Owned(std::vector<uint8_t>(t.data.data(), t.data.data() + n));
      }
    }
    return outs;
  }

  std::string op_;
  std::vector<InputSpec> inputs_;
  std::map<std::string, ir::Attribute, std::less<>> attrs_;
  std::vector<OutputSpec> outputs_;
};

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_TESTS_KERNELS_VALUE_NODE_TEST_H_
