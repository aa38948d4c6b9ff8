// Small helpers shared by the signal, quantization, linear-algebra and training kernels
// (kernels/cpu/signal_*.cc, quantize_*.cc, linalg_det.cc, training_optimizers.cc): a kernel whose
// Run is a lambda, static-shape lookups, scalar reads from run-time inputs, and element loads
// and stores that widen every floating dtype (f16, bf16, f32, f64) to double.
#ifndef TANDEM_KERNELS_CPU_LAMBDA_KERNEL_H_
#define TANDEM_KERNELS_CPU_LAMBDA_KERNEL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "kernels/cpu/dtype_dispatch.h"
#include "kernels/cpu/kernel.h"

namespace tandem::kernels::cpu {

// A kernel whose Run is a lambda; the lambda owns whatever plan the factory computed.
class LambdaKernel final : public CpuKernel {
 public:
  using Fn = std::function<absl::Status(const KernelContext&)>;
  explicit LambdaKernel(Fn fn) : fn_(std::move(fn)) {}
  absl::Status Run(const KernelContext& ctx) override { return fn_(ctx); }

 private:
  Fn fn_;
};

template <typename F>
absl::StatusOr<std::unique_ptr<CpuKernel>> MakeLambdaKernel(F fn) {
  return std::unique_ptr<CpuKernel>(new LambdaKernel(LambdaKernel::Fn(std::move(fn))));
}

// Dims of a fully static TensorInfo; Unsupported (naming `what`) otherwise.
inline absl::StatusOr<Dims> StaticDimsOf(const KernelBuildContext& ctx, const ir::TensorInfo& info,
                                         const std::string& what) {
  auto sizes = info.shape.static_sizes();
  if (!sizes) return ctx.Unsupported(absl::StrCat(what, " has no static shape"));
  return Dims(sizes->begin(), sizes->end());
}

inline bool IsFloatingDType(ir::DType t) {
  return t == ir::DType::kFloat32 || t == ir::DType::kFloat64 || t == ir::DType::kFloat16 ||
         t == ir::DType::kBFloat16;
}

// Calls fn(T{}) for the four floating dtypes (f16 and bf16 as their Dispatch tags); false (fn
// not called) for any other dtype.
template <typename Fn>
bool DispatchFloating(ir::DType dtype, Fn&& fn) {
  switch (dtype) {
    case ir::DType::kFloat32: fn(float{}); return true;
    case ir::DType::kFloat64: fn(double{}); return true;
    case ir::DType::kFloat16: fn(Float16{}); return true;
    case ir::DType::kBFloat16: fn(BFloat16{}); return true;
    default: return false;
  }
}

// A floating element widened to double, and back (rounding to nearest).
template <typename T>
double Widen(T v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return ToFloat(v);
  } else {
    return static_cast<double>(v);
  }
}
template <typename T>
T Narrow(double v) {
  if constexpr (std::is_same_v<T, Float16>) {
    return FromFloat16(static_cast<float>(v));
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return FromBFloat16(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

// Element i of a numeric tensor as double (any dtype Dispatch knows); 0 for others.
inline double LoadDouble(ir::DType dtype, const void* data, int64_t i) {
  double out = 0;
  Dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    const T v = static_cast<const T*>(data)[i];
    if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
      out = ToFloat(v);
    } else {
      out = static_cast<double>(v);
    }
  });
  return out;
}

// Stores `v` as element i of a numeric tensor (floats round, integers truncate like a C cast).
inline void StoreDouble(ir::DType dtype, void* data, int64_t i, double v) {
  Dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(data);
    if constexpr (std::is_same_v<T, Float16>) {
      p[i] = FromFloat16(static_cast<float>(v));
    } else if constexpr (std::is_same_v<T, BFloat16>) {
      p[i] = FromBFloat16(static_cast<float>(v));
    } else if constexpr (std::is_same_v<T, bool>) {
      p[i] = v != 0;
    } else {
      p[i] = static_cast<T>(v);
    }
  });
}

// The single element of a one-element integer tensor as int64; InvalidArgument naming `what`
// otherwise.
inline absl::StatusOr<int64_t> ScalarInt(const TensorView& v, const std::string& what) {
  if (v.data == nullptr || v.num_elements() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must hold exactly one element"));
  }
  switch (v.dtype) {
    case ir::DType::kInt32: return v.as<const int32_t>()[0];
    case ir::DType::kInt64: return v.as<const int64_t>()[0];
    case ir::DType::kInt16: return v.as<const int16_t>()[0];
    case ir::DType::kInt8: return v.as<const int8_t>()[0];
    case ir::DType::kUInt8: return v.as<const uint8_t>()[0];
    case ir::DType::kUInt16: return v.as<const uint16_t>()[0];
    case ir::DType::kUInt32: return v.as<const uint32_t>()[0];
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(what, " must be an integer, got ", ir::DTypeName(v.dtype)));
  }
}

// A TensorView over an initializer, so build-time code can reuse the run-time readers.
inline TensorView ViewOf(const ir::Tensor& t) {
  return TensorView{t.dtype, Dims(t.dims.begin(), t.dims.end()),
                    const_cast<uint8_t*>(t.data.data())};
}

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_KERNELS_CPU_LAMBDA_KERNEL_H_
