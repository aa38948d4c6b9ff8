// Gather, GatherElements and GatherND. Index tensors may be int32 or int64; negative indices
// count from the end; an index out of range is InvalidArgument at run time (the copy then
// stops; output contents are unspecified on error).
#include <algorithm>
#include <atomic>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kernels/cpu/data_movement_util.h"

namespace tandem::kernels::cpu::data_movement {
namespace {

absl::Status CheckIndexType(const KernelBuildContext& ctx, size_t i) {
  ir::DType t = ctx.input_info(i).dtype;
  if (t == ir::DType::kInt32 || t == ir::DType::kInt64) return absl::OkStatus();
  return ctx.Invalid(absl::StrCat("indices must be int32 or int64, got ", ir::DTypeName(t)));
}

// Index i of an int32/int64 tensor.
inline int64_t IndexAt(const TensorView& v, int64_t i) {
  return v.dtype == ir::DType::kInt32 ? v.as<const int32_t>()[i] : v.as<const int64_t>()[i];
}

absl::Status OutOfRange(int64_t index, int64_t dim) {
  return absl::InvalidArgumentError(
      absl::StrCat("index ", index, " is out of range for a dim of size ", dim));
}

// All indices of `v`, normalised to [0, dim).
absl::StatusOr<std::vector<int64_t>> NormalizedIndices(const TensorView& v, int64_t dim) {
  std::vector<int64_t> out(v.num_elements());
  for (int64_t i = 0; i < static_cast<int64_t>(out.size()); ++i) {
    int64_t k = IndexAt(v, i);
    if (k < -dim || k >= dim) return OutOfRange(k, dim);
    out[i] = k < 0 ? k + dim : k;
  }
  return out;
}

absl::Status PrepareData(const KernelBuildContext& ctx, Dims& data, Dims& indices, Dims& out) {
  const ir::DType dtype = ctx.input_info(0).dtype;
  TANDEM_RETURN_IF_ERROR(CheckMovable(ctx, dtype, "data"));
  TANDEM_RETURN_IF_ERROR(CheckIndexType(ctx, 1));
  if (ctx.output_info(0).dtype != dtype) return ctx.Invalid("output dtype differs from the data's");
  TANDEM_ASSIGN_OR_RETURN(data, StaticInputDims(ctx, 0));
  TANDEM_ASSIGN_OR_RETURN(indices, StaticInputDims(ctx, 1));
  TANDEM_ASSIGN_OR_RETURN(out, StaticOutputDims(ctx, 0));
  return absl::OkStatus();
}

absl::Status ExpectOutput(const KernelBuildContext& ctx, const Dims& out, const Dims& want) {
  if (out == want) return absl::OkStatus();
  return ctx.Invalid(absl::StrCat("output ", DimsString(out), " should be ", DimsString(want)));
}

// Copies `count` blocks of `inner` elements: block t of the output comes from source element
// offset src_offset(t). Typed when a block is one element, memcpy otherwise.
template <typename OffsetFn>
void CopyBlocks(int64_t count, int64_t inner, int elem, const void* src, void* dst,
                pthreadpool_t pool, const OffsetFn& src_offset) {
  if (count == 0 || inner == 0) return;
  const int64_t grain = std::max<int64_t>(1, 16384 / inner);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* s = static_cast<const T*>(src);
    T* d = static_cast<T*>(dst);
    ParallelForRange(pool, count, grain, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        if (inner == 1) {
          d[t] = s[src_offset(t)];
        } else {
          std::memcpy(d + t * inner, s + src_offset(t), static_cast<size_t>(inner) * sizeof(T));
        }
      }
    });
  };
  switch (elem) {
    case 1:
      run(uint8_t{});
      break;
    case 2:
      run(uint16_t{});
      break;
    case 4:
      run(uint32_t{});
      break;
    case 8:
      run(uint64_t{});
      break;
    default:
      run(Bytes16{});
      break;
  }
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeGather(const KernelBuildContext& ctx) {
  Dims data, indices, out;
  TANDEM_RETURN_IF_ERROR(PrepareData(ctx, data, indices, out));
  if (data.empty()) return ctx.Invalid("data must have rank >= 1");
  TANDEM_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx, ctx.node().GetInt("axis", 0),
                                                      static_cast<int64_t>(data.size()), "axis"));
  Dims want(data.begin(), data.begin() + axis);
  want.insert(want.end(), indices.begin(), indices.end());
  want.insert(want.end(), data.begin() + axis + 1, data.end());
  TANDEM_RETURN_IF_ERROR(ExpectOutput(ctx, out, want));
  const int elem = ir::DTypeSize(ctx.input_info(0).dtype);
  const int64_t outer = Product(data, 0, axis), dim = data[axis];
  const int64_t inner = Product(data, axis + 1, data.size());
  const int64_t n = Product(indices, 0, indices.size());
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    TANDEM_ASSIGN_OR_RETURN(std::vector<int64_t> idx, NormalizedIndices(c.inputs[1], dim));
    CopyBlocks(outer * n, inner, elem, c.inputs[0].data, c.outputs[0].data, c.threadpool,
               [&](int64_t t) { return ((t / n) * dim + idx[t % n]) * inner; });
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeGatherElements(const KernelBuildContext& ctx) {
  Dims data, indices, out;
  TANDEM_RETURN_IF_ERROR(PrepareData(ctx, data, indices, out));
  const int64_t rank = static_cast<int64_t>(data.size());
  if (rank == 0 || static_cast<int64_t>(indices.size()) != rank) {
    return ctx.Invalid("data and indices must have the same rank >= 1");
  }
  TANDEM_ASSIGN_OR_RETURN(int64_t axis,
                          NormalizeAxis(ctx, ctx.node().GetInt("axis", 0), rank, "axis"));
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis && indices[d] > data[d]) return ctx.Invalid("indices exceed data along a dim");
  }
  TANDEM_RETURN_IF_ERROR(ExpectOutput(ctx, out, indices));
  const int elem = ir::DTypeSize(ctx.input_info(0).dtype);
  const Dims data_strides = ContiguousStrides(data);
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    const int64_t total = Product(indices, 0, indices.size());
    const int64_t dim = data[axis];
    // Source offsets first (validating every index), then one gather of single elements.
    std::vector<int64_t> src(total);
    std::atomic<bool> bad{false};
    std::atomic<int64_t> bad_index{0};
    ParallelForRange(c.threadpool, total, 16384, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        int64_t rest = t, off = 0;
        for (int64_t d = rank - 1; d >= 0; --d) {
          int64_t i = rest % indices[d];
          rest /= indices[d];
          if (d == axis) {
            int64_t k = IndexAt(c.inputs[1], t);
            if (k < -dim || k >= dim) {
              bad = true;
              bad_index = k;
              return;
            }
            i = k < 0 ? k + dim : k;
          }
          off += i * data_strides[d];
        }
        src[t] = off;
      }
    });
    if (bad) return OutOfRange(bad_index, dim);
    CopyBlocks(total, 1, elem, c.inputs[0].data, c.outputs[0].data, c.threadpool,
               [&](int64_t t) { return src[t]; });
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<CpuKernel>> MakeGatherND(const KernelBuildContext& ctx) {
  Dims data, indices, out;
  TANDEM_RETURN_IF_ERROR(PrepareData(ctx, data, indices, out));
  if (ctx.input_info(1).dtype != ir::DType::kInt64) return ctx.Invalid("indices must be int64");
  const int64_t r = static_cast<int64_t>(data.size()), q = static_cast<int64_t>(indices.size());
  const int64_t b = ctx.node().GetInt("batch_dims", 0);
  if (r < 1 || q < 1 || b < 0 || b >= std::min(r, q)) return ctx.Invalid("bad ranks or batch_dims");
  const int64_t m = indices[q - 1];
  if (m < 1 || m > r - b)
    return ctx.Invalid("the last indices dim must be in [1, rank - batch_dims]");
  for (int64_t d = 0; d < b; ++d) {
    if (data[d] != indices[d]) return ctx.Invalid("batch dims of data and indices differ");
  }
  Dims want(indices.begin(), indices.end() - 1);
  want.insert(want.end(), data.begin() + b + m, data.end());
  TANDEM_RETURN_IF_ERROR(ExpectOutput(ctx, out, want));
  const int elem = ir::DTypeSize(ctx.input_info(0).dtype);
  const Dims strides = ContiguousStrides(data);
  const int64_t batches = Product(data, 0, b);
  const int64_t per_batch = Product(indices, b, q - 1);  // index tuples per batch
  const int64_t inner = Product(data, b + m, r);
  const int64_t batch_stride = b > 0 ? strides[b - 1] : 0;
  return MakeKernel([=](const KernelContext& c) -> absl::Status {
    const int64_t tuples = batches * per_batch;
    const int64_t* idx = c.inputs[1].as<const int64_t>();
    std::vector<int64_t> src(tuples);
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t off = (t / per_batch) * batch_stride;
      for (int64_t k = 0; k < m; ++k) {
        int64_t v = idx[t * m + k], dim = data[b + k];
        if (v < -dim || v >= dim) return OutOfRange(v, dim);
        off += (v < 0 ? v + dim : v) * strides[b + k];
      }
      src[t] = off;
    }
    CopyBlocks(tuples, inner, elem, c.inputs[0].data, c.outputs[0].data, c.threadpool,
               [&](int64_t t) { return src[t]; });
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterGatherKernels(KernelRegistry& r) {
  r.Register("Gather", MakeGather);
  r.Register("GatherElements", MakeGatherElements);
  r.Register("GatherND", MakeGatherND);
}

}  // namespace tandem::kernels::cpu::data_movement
