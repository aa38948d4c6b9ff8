// Concat and Split: both view every tensor as [outer, axis * inner] rows and copy byte chunks
// of each row, in parallel over the outer rows.
#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/data_movement_util.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

// Rows to give one task: about 64 KiB of copying.
int64_t RowGrain(int64_t row_bytes) {
  return std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(row_bytes, 1));
}

// The dims of `part` must equal `whole` except along `axis`.
bool SameExceptAxis(const Dims& whole, const Dims& part, size_t axis) {
  if (whole.size() != part.size()) return false;
  for (size_t d = 0; d < whole.size(); ++d) {
    if (d != axis && whole[d] != part[d]) return false;
  }
  return true;
}

// Copies each input's chunk of every outer row, for one layout of the tensors.
struct ConcatLayout {
  int64_t outer = 1;            // rows before the axis
  int64_t row = 0;              // output bytes per row
  std::vector<int64_t> chunks;  // bytes of each input per row
};

// `dims` are the output's and `axis` the concatenation axis, in the memory order of the layout.
ConcatLayout LayoutFor(const Dims& out, const std::vector<Dims>& inputs, size_t axis, int64_t elem) {
  ConcatLayout l;
  l.outer = Product(out, 0, axis);
  const int64_t inner = Product(out, axis + 1, out.size()) * elem;
  for (const Dims& in : inputs) l.chunks.push_back(in[axis] * inner);
  l.row = out[axis] * inner;
  return l;
}

// NCHW dims [N, C, H, W] in NHWC memory order, and an NCHW axis's position in it.
Dims ToNhwc(const Dims& d) { return {d[0], d[2], d[3], d[1]}; }
size_t NhwcAxis(size_t axis) { return axis == 0 ? 0 : axis == 1 ? 3 : axis - 1; }

// Channels-last (the executor's layout pass) for 4-D outputs: DenseNet concatenates the channels
// of NHWC convolution outputs, which would otherwise each be converted to NCHW first.
class ConcatKernel final : public CpuKernel {
 public:
  ConcatKernel(ConcatLayout nchw, std::optional<ConcatLayout> nhwc)
      : layout_(std::move(nchw)), nhwc_(std::move(nhwc)) {}

  ChannelsLast channels_last_support() const override {
    return nhwc_ ? ChannelsLast::kAllInputs : ChannelsLast::kNo;
  }
  void SetChannelsLast(bool input0, bool output0) override {
    if (nhwc_ && input0 && output0) layout_ = *nhwc_;
  }

  absl::Status Run(const KernelContext& c) override {
    auto* dst = static_cast<uint8_t*>(c.outputs[0].data);
    const ConcatLayout& l = layout_;
    if (l.outer == 1) {
      int64_t off = 0;
      for (size_t i = 0; i < l.chunks.size(); ++i) {
        ParallelMemcpy(dst + off, c.inputs[i].data, l.chunks[i], c.threadpool);
        off += l.chunks[i];
      }
      return absl::OkStatus();
    }
    ParallelForRange(c.threadpool, l.outer, RowGrain(l.row), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        uint8_t* d = dst + o * l.row;
        for (size_t i = 0; i < l.chunks.size(); ++i) {
          if (l.chunks[i] == 0) continue;
          std::memcpy(d, static_cast<const uint8_t*>(c.inputs[i].data) + o * l.chunks[i], l.chunks[i]);
          d += l.chunks[i];
        }
      }
    });
    return absl::OkStatus();
  }

 private:
  ConcatLayout layout_;
  std::optional<ConcatLayout> nhwc_;
};

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeConcat(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.output_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "output"));
  TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, 0));
  if (out.empty()) return ctx.Invalid("Concat of scalars");
  TANDEM_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, ctx.node().GetInt("axis", 0),
                                                      static_cast<int64_t>(out.size()), "axis"));
  const int64_t elem = ir::DTypeSize(dtype);
  std::vector<Dims> inputs;
  int64_t total = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, i));
    if (ctx.input_info(i).dtype != dtype || !SameExceptAxis(out, in, axis)) {
      return ctx.Invalid(absl::StrCat("input ", i, " ", ctx.input_info(i).ToString(),
                                      " does not fit output ", ctx.output_info(0).ToString()));
    }
    total += in[axis];
    inputs.push_back(std::move(in));
  }
  if (total != out[axis]) return ctx.Invalid("input sizes along the axis do not add up");
  ConcatLayout nchw = LayoutFor(out, inputs, axis, elem);
  std::optional<ConcatLayout> nhwc;
  if (out.size() == 4) {
    std::vector<Dims> nhwc_inputs;
    for (const Dims& in : inputs) nhwc_inputs.push_back(ToNhwc(in));
    nhwc = LayoutFor(ToNhwc(out), nhwc_inputs, NhwcAxis(axis), elem);
  }
  return std::unique_ptr<CpuKernel>(std::make_unique<ConcatKernel>(std::move(nchw), std::move(nhwc)));
}

// Split takes its part sizes from the static output shapes; a constant `split` input or the
// `num_outputs` attribute must agree with them.
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeSplit(const KernelBuildContext& ctx) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "input"));
  TANDEM_ASSIGN_OR_RETURN(Dims in, StaticInputDims(ctx, 0));
  if (in.empty()) return ctx.Invalid("Split of a scalar");
  TANDEM_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, ctx.node().GetInt("axis", 0),
                                                      static_cast<int64_t>(in.size()), "axis"));
  const int64_t elem = ir::DTypeSize(dtype);
  const int64_t outer = Product(in, 0, axis);
  const int64_t inner = Product(in, axis + 1, in.size()) * elem;
  std::vector<int64_t> sizes, chunks;
  for (size_t j = 0; j < ctx.num_outputs(); ++j) {
    TANDEM_ASSIGN_OR_RETURN(Dims out, StaticOutputDims(ctx, j));
    if (ctx.output_info(j).dtype != dtype || !SameExceptAxis(in, out, axis)) {
      return ctx.Invalid(absl::StrCat("output ", j, " ", ctx.output_info(j).ToString(),
                                      " does not fit input ", ctx.input_info(0).ToString()));
    }
    sizes.push_back(out[axis]);
    chunks.push_back(out[axis] * inner);
  }
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (total != in[axis]) return ctx.Invalid("output sizes along the axis do not add up");
  TANDEM_ASSIGN_OR_RETURN(auto split, ConstantInts(ctx, 1));
  if (split && !split->empty() && *split != sizes) {
    return ctx.Invalid("the split input disagrees with the output shapes");
  }
  const int64_t row = in[axis] * inner;
  return MakeKernel([chunks, outer, row](const KernelContext& c) {
    const auto* src = static_cast<const uint8_t*>(c.inputs[0].data);
    ParallelForRange(c.threadpool, outer, RowGrain(row), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const uint8_t* s = src + o * row;
        for (size_t j = 0; j < chunks.size(); ++j) {
          if (chunks[j] != 0 && c.outputs[j].data != nullptr) {
            std::memcpy(static_cast<uint8_t*>(c.outputs[j].data) + o * chunks[j], s, chunks[j]);
          }
          s += chunks[j];
        }
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterConcatKernels(KernelRegistry& r) {
  r.Register("Concat", MakeConcat);
  r.Register("Split", MakeSplit);
}

}  // namespace tandem::kernels::cpu::data_movement
