// MaxUnpool: scatters X into a zero-filled Y at the flat indices MaxPool's Indices output gave
// (offsets into the whole tensor, batch and channel included). The indices address the shape the
// pooling geometry implies, (in-1)·stride + kernel - pads; a larger output_shape keeps each
// element's coordinates, extending the output at the end (as the ONNX test data expects).
// Indices outside that shape are an InvalidArgument at run time.
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/nn_kernels.h"
#include "kernels/cpu/nn_window.h"

namespace tandem::kernels::cpu::nn {
namespace {

template <typename T>
class MaxUnpoolKernel final : public CpuKernel {
 public:
  // `from`: the shape the indices address; `to`: Y's shape (equal rank, each dim >= from's).
  MaxUnpoolKernel(std::string name, std::vector<int64_t> from, std::vector<int64_t> to)
      : name_(std::move(name)), from_(std::move(from)), to_(std::move(to)) {}

  absl::Status Run(const KernelContext& ctx) override {
    const T* x = ctx.inputs[0].as<const T>();
    const int64_t* indices = ctx.inputs[1].as<const int64_t>();
    T* y = ctx.outputs[0].as<T>();
    const int64_t n = ctx.inputs[0].num_elements(), limit = Window::Product(from_);
    std::memset(y, 0, static_cast<size_t>(ctx.outputs[0].byte_size()));
    for (int64_t i = 0; i < n; ++i) {
      if (indices[i] < 0 || indices[i] >= limit) {
        return absl::InvalidArgumentError(
            absl::StrCat(name_, ": index ", indices[i], " at ", i, " is outside the ", limit, " unpooled elements"));
      }
      y[Remap(indices[i])] = x[i];
    }
    return absl::OkStatus();
  }

 private:
  int64_t Remap(int64_t index) const {
    if (from_ == to_) return index;
    int64_t out = 0, stride = 1;
    for (size_t a = from_.size(); a-- > 0;) {
      out += (index % from_[a]) * stride;
      index /= from_[a];
      stride *= to_[a];
    }
    return out;
  }

  std::string name_;
  std::vector<int64_t> from_, to_;
};

}  // namespace

KernelOr MakeMaxUnpool(const KernelBuildContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.Invalid("X and I are required");
  auto x = StaticShape(ctx, 0, false);
  if (!x.ok()) return x.status();
  auto indices = StaticShape(ctx, 1, false);
  if (!indices.ok()) return indices.status();
  auto y = StaticShape(ctx, 0, true);
  if (!y.ok()) return y.status();
  if (*indices != *x || ctx.input_info(1).dtype != ir::DType::kInt64) return ctx.Invalid("I must be int64 shaped like X");
  if (x->size() < 3 || y->size() != x->size() || (*y)[0] != (*x)[0] || (*y)[1] != (*x)[1]) {
    return ctx.Invalid(absl::StrCat("output [", absl::StrJoin(*y, ","), "] does not fit X [", absl::StrJoin(*x, ","), "]"));
  }
  const size_t rank = x->size() - 2;
  std::vector<int64_t> kernel_shape = ctx.node().GetInts("kernel_shape");
  std::vector<int64_t> strides = ctx.node().GetInts("strides", std::vector<int64_t>(rank, 1));
  std::vector<int64_t> pads = ctx.node().GetInts("pads", std::vector<int64_t>(2 * rank, 0));
  if (kernel_shape.size() != rank || strides.size() != rank || pads.size() != 2 * rank) {
    return ctx.Invalid("kernel_shape, strides or pads has the wrong length");
  }
  std::vector<int64_t> from = {(*x)[0], (*x)[1]};
  for (size_t i = 0; i < rank; ++i) {
    from.push_back(((*x)[i + 2] - 1) * strides[i] + kernel_shape[i] - pads[i] - pads[i + rank]);
    if (from.back() <= 0 || from.back() > (*y)[i + 2]) {
      return ctx.Invalid(absl::StrCat("output [", absl::StrJoin(*y, ","), "] is smaller than the unpooled size"));
    }
  }
  if (!ctx.has_input(2)) {  // without output_shape the output is exactly the unpooled size
    absl::Status s = ExpectOutputShape(ctx, 0, from);
    if (!s.ok()) return s;
  }
  const ir::DType dtype = ctx.input_info(0).dtype;
  KernelOr kernel = ctx.Unsupported(absl::StrCat("dtype ", ir::DTypeName(dtype)));
  DispatchBySize(dtype, [&](auto tag) {
    kernel = std::make_unique<MaxUnpoolKernel<decltype(tag)>>(ctx.node().Describe(), from, *y);
  });
  return kernel;
}

}  // namespace tandem::kernels::cpu::nn
