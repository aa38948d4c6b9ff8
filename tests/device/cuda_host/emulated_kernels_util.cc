// Host implementations of the kernels/cuda launchers, with the same semantics as the device code,
// linked into tandem_cuda_host_tests in place of the real ones (a link seam: these definitions
// come first, so the linker never pulls the .cu objects). They let the GPU executor's lowering
// and plans run on machines without a GPU: every pointer handed to them is host memory.
//
// They mirror the device kernels line for line where the index math lives (LayoutOffsets, the
// pool window, the gather index), so a wrong layout or parameter from an op factory shows up as
// a wrong result here. They do not test the device code itself.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "common/float16.h"
#include "kernels/cuda/binary.cuh"
#include "kernels/cuda/cast.cuh"
#include "kernels/cuda/channel_affine.cuh"
#include "kernels/cuda/gather.cuh"
#include "kernels/cuda/layer_norm.cuh"
#include "kernels/cuda/pool.cuh"
#include "kernels/cuda/reduce.cuh"
#include "kernels/cuda/softmax.cuh"
#include "kernels/cuda/strided_copy.cuh"
#include "kernels/cuda/unary.cuh"
#include "kernels/cuda/where.cuh"

namespace tandem::kernels::cuda {
namespace {

template <int K>
void Offsets(const StridedLayout<K>& l, int64_t i, int64_t (&off)[K]) {
  for (int k = 0; k < K; ++k) off[k] = 0;
  for (int d = l.rank - 1; d >= 0; --d) {
    int64_t q = i / l.dims[d], r = i - q * l.dims[d];
    for (int k = 0; k < K; ++k) off[k] += r * l.strides[k][d];
    i = q;
  }
}

// Element i of a buffer of `type`, widened to double, and the reverse.
double Get(ElementType t, const void* p, int64_t i) {
  switch (t) {
    case ElementType::kFloat32:
      return static_cast<const float*>(p)[i];
    case ElementType::kFloat16:
      return HalfBitsToFloat(static_cast<const uint16_t*>(p)[i]);
    case ElementType::kFloat64:
      return static_cast<const double*>(p)[i];
    case ElementType::kInt32:
      return static_cast<const int32_t*>(p)[i];
    case ElementType::kInt64:
      return static_cast<double>(static_cast<const int64_t*>(p)[i]);
    case ElementType::kInt8:
      return static_cast<const int8_t*>(p)[i];
    case ElementType::kUInt8:
      return static_cast<const uint8_t*>(p)[i];
    case ElementType::kBool:
      return static_cast<const uint8_t*>(p)[i] != 0;
  }
  return 0;
}

int64_t GetInt(ElementType t, const void* p, int64_t i) {
  switch (t) {
    case ElementType::kInt64:
      return static_cast<const int64_t*>(p)[i];
    case ElementType::kInt32:
      return static_cast<const int32_t*>(p)[i];
    case ElementType::kInt8:
      return static_cast<const int8_t*>(p)[i];
    case ElementType::kUInt8:
      return static_cast<const uint8_t*>(p)[i];
    case ElementType::kBool:
      return static_cast<const uint8_t*>(p)[i] != 0;
    default:
      return static_cast<int64_t>(Get(t, p, i));
  }
}

// Rounds like the device: float32 math for f32/f16, double for f64.
double Round(ElementType t, double v) {
  return t == ElementType::kFloat64 ? v : static_cast<double>(static_cast<float>(v));
}

void Set(ElementType t, void* p, int64_t i, double v) {
  switch (t) {
    case ElementType::kFloat32:
      static_cast<float*>(p)[i] = static_cast<float>(v);
      break;
    case ElementType::kFloat16:
      static_cast<uint16_t*>(p)[i] = FloatToHalfBits(static_cast<float>(v));
      break;
    case ElementType::kFloat64:
      static_cast<double*>(p)[i] = v;
      break;
    case ElementType::kInt32:
      static_cast<int32_t*>(p)[i] = static_cast<int32_t>(v);
      break;
    case ElementType::kInt64:
      static_cast<int64_t*>(p)[i] = static_cast<int64_t>(v);
      break;
    case ElementType::kInt8:
      static_cast<int8_t*>(p)[i] = static_cast<int8_t>(v);
      break;
    case ElementType::kUInt8:
      static_cast<uint8_t*>(p)[i] = static_cast<uint8_t>(v);
      break;
    case ElementType::kBool:
      static_cast<uint8_t*>(p)[i] = v != 0;
      break;
  }
}

void SetInt(ElementType t, void* p, int64_t i, int64_t v) {
  switch (t) {
    case ElementType::kInt64:
      static_cast<int64_t*>(p)[i] = v;
      break;
    case ElementType::kInt32:
      static_cast<int32_t*>(p)[i] = static_cast<int32_t>(v);
      break;
    case ElementType::kInt8:
      static_cast<int8_t*>(p)[i] = static_cast<int8_t>(v);
      break;
    case ElementType::kUInt8:
      static_cast<uint8_t*>(p)[i] = static_cast<uint8_t>(v);
      break;
    case ElementType::kBool:
      static_cast<uint8_t*>(p)[i] = v != 0;
      break;
    default:
      Set(t, p, i, static_cast<double>(v));
      break;
  }
}

bool IsInt(ElementType t) { return !IsFloatType(t); }

double ApplyUnary(UnaryOp op, double x, const UnaryParams& p) {
  switch (op) {
    case UnaryOp::kRelu:
      return x > 0 ? x : 0;
    case UnaryOp::kLeakyRelu:
      return x >= 0 ? x : p.alpha * x;
    case UnaryOp::kThresholdedRelu:
      return x > p.alpha ? x : 0;
    case UnaryOp::kElu:
      return x > 0 ? x : p.alpha * (std::exp(x) - 1);
    case UnaryOp::kSelu:
      return p.gamma * (x > 0 ? x : p.alpha * (std::exp(x) - 1));
    case UnaryOp::kCelu:
      return std::max(0.0, x) + std::min(0.0, p.alpha * (std::exp(x / p.alpha) - 1));
    case UnaryOp::kSigmoid:
      return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
    case UnaryOp::kHardSigmoid:
      return std::min(1.0, std::max(0.0, p.alpha * x + p.beta));
    case UnaryOp::kHardSwish:
      return x * std::min(1.0, std::max(0.0, x / 6 + 0.5));
    case UnaryOp::kTanh:
      return std::tanh(x);
    case UnaryOp::kErf:
      return std::erf(x);
    case UnaryOp::kGelu:
      return 0.5 * x * (1 + std::erf(x * 0.70710678118654752440));
    case UnaryOp::kGeluTanh:
      return 0.5 * x * (1 + std::tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x)));
    case UnaryOp::kSoftplus:
      return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
    case UnaryOp::kSoftsign:
      return x / (1 + std::fabs(x));
    case UnaryOp::kMish:
      return x * std::tanh(std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))));
    case UnaryOp::kClip:
      return std::isnan(x) ? x : std::min<double>(p.beta, std::max<double>(p.alpha, x));
    case UnaryOp::kExp:
      return std::exp(x);
    case UnaryOp::kLog:
      return std::log(x);
    case UnaryOp::kSqrt:
      return std::sqrt(x);
    case UnaryOp::kReciprocal:
      return 1 / x;
    case UnaryOp::kFloor:
      return std::floor(x);
    case UnaryOp::kCeil:
      return std::ceil(x);
    case UnaryOp::kRound:
      return std::nearbyint(x);
    case UnaryOp::kSin:
      return std::sin(x);
    case UnaryOp::kCos:
      return std::cos(x);
    case UnaryOp::kTan:
      return std::tan(x);
    case UnaryOp::kAsin:
      return std::asin(x);
    case UnaryOp::kAcos:
      return std::acos(x);
    case UnaryOp::kAtan:
      return std::atan(x);
    case UnaryOp::kSinh:
      return std::sinh(x);
    case UnaryOp::kCosh:
      return std::cosh(x);
    case UnaryOp::kAsinh:
      return std::asinh(x);
    case UnaryOp::kAcosh:
      return std::acosh(x);
    case UnaryOp::kAtanh:
      return std::atanh(x);
    case UnaryOp::kPowScalar:
      return std::pow(x, static_cast<double>(p.alpha));
    case UnaryOp::kAbs:
      return std::fabs(x);
    case UnaryOp::kNeg:
      return -x;
    case UnaryOp::kSign:
      return x > 0 ? 1 : (x < 0 ? -1 : 0);
    default:
      return x;
  }
}

}  // namespace

cudaError_t LaunchStridedCopy(const StridedLayout<2>& layout, int64_t n, int element_size, const void* src, void* dst,
                              cudaStream_t) {
  for (int64_t i = 0; i < n; ++i) {
    int64_t off[2];
    Offsets(layout, i, off);
    std::memcpy(static_cast<uint8_t*>(dst) + off[0] * element_size,
                static_cast<const uint8_t*>(src) + off[1] * element_size, element_size);
  }
  return cudaSuccess;
}

cudaError_t LaunchFillPattern(void* dst, int64_t n, int element_size, uint64_t pattern, cudaStream_t) {
  for (int64_t i = 0; i < n; ++i) std::memcpy(static_cast<uint8_t*>(dst) + i * element_size, &pattern, element_size);
  return cudaSuccess;
}

bool UnarySupports(UnaryOp op, ElementType type) {
  if (op == UnaryOp::kNot) return type == ElementType::kBool;
  if (IsFloatType(type)) return true;
  bool signed_int = type == ElementType::kInt32 || type == ElementType::kInt64 || type == ElementType::kInt8;
  return signed_int && (op == UnaryOp::kAbs || op == UnaryOp::kNeg || op == UnaryOp::kSign);
}

cudaError_t LaunchUnary(UnaryOp op, ElementType type, const void* x, void* y, int64_t n, const UnaryParams& params,
                        cudaStream_t) {
  if (!UnarySupports(op, type)) return cudaErrorInvalidValue;
  for (int64_t i = 0; i < n; ++i) {
    if (op == UnaryOp::kNot) {
      static_cast<uint8_t*>(y)[i] = static_cast<const uint8_t*>(x)[i] == 0;
    } else if (op == UnaryOp::kIsNaN || op == UnaryOp::kIsInf) {
      double v = Get(type, x, i);
      static_cast<uint8_t*>(y)[i] = op == UnaryOp::kIsNaN ? std::isnan(v) : std::isinf(v);
    } else if (IsInt(type)) {
      int64_t v = GetInt(type, x, i);
      SetInt(type, y, i, op == UnaryOp::kAbs ? std::llabs(v) : op == UnaryOp::kNeg ? -v : (v > 0) - (v < 0));
    } else {
      Set(type, y, i, Round(type, ApplyUnary(op, Get(type, x, i), params)));
    }
  }
  return cudaSuccess;
}

bool BinaryOutputsBool(BinaryOp op) { return op >= BinaryOp::kEqual; }

bool BinarySupports(BinaryOp op, ElementType type) {
  if (op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kXor) return type == ElementType::kBool;
  if (BinaryOutputsBool(op)) return true;
  if (type == ElementType::kBool) return false;
  if (op == BinaryOp::kPRelu) return IsFloatType(type);
  if (op == BinaryOp::kMod) return !IsFloatType(type);
  return true;
}

cudaError_t LaunchBinary(BinaryOp op, ElementType type, const StridedLayout<3>& layout, int64_t n, const void* a,
                         const void* b, void* out, cudaStream_t) {
  if (!BinarySupports(op, type)) return cudaErrorInvalidValue;
  for (int64_t i = 0; i < n; ++i) {
    int64_t off[3];
    Offsets(layout, i, off);
    if (BinaryOutputsBool(op)) {
      double x = Get(type, a, off[1]), y = Get(type, b, off[2]);
      bool r = false;
      switch (op) {
        case BinaryOp::kEqual:
          r = x == y;
          break;
        case BinaryOp::kLess:
          r = x < y;
          break;
        case BinaryOp::kLessOrEqual:
          r = x <= y;
          break;
        case BinaryOp::kGreater:
          r = x > y;
          break;
        case BinaryOp::kGreaterOrEqual:
          r = x >= y;
          break;
        case BinaryOp::kAnd:
          r = x != 0 && y != 0;
          break;
        case BinaryOp::kOr:
          r = x != 0 || y != 0;
          break;
        case BinaryOp::kXor:
          r = (x != 0) != (y != 0);
          break;
        default:
          break;
      }
      static_cast<uint8_t*>(out)[off[0]] = r;
    } else if (IsInt(type)) {
      int64_t x = GetInt(type, a, off[1]), y = GetInt(type, b, off[2]), r = 0;
      switch (op) {
        case BinaryOp::kAdd:
          r = x + y;
          break;
        case BinaryOp::kSub:
          r = x - y;
          break;
        case BinaryOp::kMul:
          r = x * y;
          break;
        case BinaryOp::kDiv:
          r = y == 0 ? 0 : x / y;
          break;
        case BinaryOp::kMax:
          r = std::max(x, y);
          break;
        case BinaryOp::kMin:
          r = std::min(x, y);
          break;
        case BinaryOp::kPow:
          r = static_cast<int64_t>(std::pow(static_cast<double>(x), static_cast<double>(y)));
          break;
        case BinaryOp::kFmod:
          r = y == 0 ? 0 : x % y;
          break;
        case BinaryOp::kMod:
          r = y == 0 ? 0 : x % y;
          if (r != 0 && ((r < 0) != (y < 0))) r += y;
          break;
        default:
          break;
      }
      SetInt(type, out, off[0], r);
    } else {
      double x = Get(type, a, off[1]), y = Get(type, b, off[2]), r = 0;
      switch (op) {
        case BinaryOp::kAdd:
          r = x + y;
          break;
        case BinaryOp::kSub:
          r = x - y;
          break;
        case BinaryOp::kMul:
          r = x * y;
          break;
        case BinaryOp::kDiv:
          r = x / y;
          break;
        case BinaryOp::kMax:
          r = std::max(x, y);
          break;
        case BinaryOp::kMin:
          r = std::min(x, y);
          break;
        case BinaryOp::kPow:
          r = std::pow(x, y);
          break;
        case BinaryOp::kFmod:
          r = std::fmod(x, y);
          break;
        case BinaryOp::kPRelu:
          r = x >= 0 ? x : x * y;
          break;
        default:
          break;
      }
      Set(type, out, off[0], Round(type, r));
    }
  }
  return cudaSuccess;
}

cudaError_t LaunchWhere(const StridedLayout<4>& layout, int64_t n, int element_size, const uint8_t* cond, const void* x,
                        const void* y, void* out, cudaStream_t) {
  for (int64_t i = 0; i < n; ++i) {
    int64_t off[4];
    Offsets(layout, i, off);
    const void* src = cond[off[1]] ? static_cast<const uint8_t*>(x) + off[2] * element_size
                                   : static_cast<const uint8_t*>(y) + off[3] * element_size;
    std::memcpy(static_cast<uint8_t*>(out) + off[0] * element_size, src, element_size);
  }
  return cudaSuccess;
}

cudaError_t LaunchCast(ElementType from, ElementType to, const void* x, void* y, int64_t n, cudaStream_t) {
  for (int64_t i = 0; i < n; ++i) {
    if (IsInt(from) && IsInt(to)) {
      SetInt(to, y, i, GetInt(from, x, i));
    } else if (IsInt(to)) {
      double v = Get(from, x, i);
      SetInt(to, y, i, to == ElementType::kBool ? v != 0 : static_cast<int64_t>(std::trunc(v)));
    } else {
      Set(to, y, i, IsInt(from) ? static_cast<double>(GetInt(from, x, i)) : Get(from, x, i));
    }
  }
  return cudaSuccess;
}

cudaError_t LaunchGather(const void* data, const void* indices, bool indices_int64, void* out, int64_t outer,
                         int64_t axis_dim, int64_t inner, int64_t num_indices, int element_size, cudaStream_t) {
  const int64_t n = outer * num_indices * inner;
  for (int64_t i = 0; i < n; ++i) {
    int64_t in = i % inner, rest = i / inner, j = rest % num_indices, o = rest / num_indices;
    int64_t index = indices_int64 ? static_cast<const int64_t*>(indices)[j] : static_cast<const int32_t*>(indices)[j];
    if (index < 0) index += axis_dim;
    uint8_t* dst = static_cast<uint8_t*>(out) + i * element_size;
    if (index >= 0 && index < axis_dim) {
      std::memcpy(dst, static_cast<const uint8_t*>(data) + ((o * axis_dim + index) * inner + in) * element_size,
                  element_size);
    } else {
      std::memset(dst, 0, element_size);
    }
  }
  return cudaSuccess;
}

cudaError_t LaunchPool(ElementType type, const PoolParams& p, int64_t planes, const void* x, void* y, cudaStream_t) {
  const int64_t out_plane = p.out[0] * p.out[1] * p.out[2], in_plane = p.in[0] * p.in[1] * p.in[2];
  for (int64_t i = 0; i < planes * out_plane; ++i) {
    int64_t ow = i % p.out[2], oh = (i / p.out[2]) % p.out[1], od = (i / (p.out[2] * p.out[1])) % p.out[0];
    int64_t plane = i / out_plane;
    int64_t start[3] = {od * p.stride[0] - p.pad_begin[0], oh * p.stride[1] - p.pad_begin[1],
                        ow * p.stride[2] - p.pad_begin[2]};
    double acc = p.max ? -INFINITY : 0;
    int64_t valid = 0, padded = 0;
    for (int64_t kd = 0; kd < p.kernel[0]; ++kd) {
      int64_t d = start[0] + kd * p.dilation[0];
      for (int64_t kh = 0; kh < p.kernel[1]; ++kh) {
        int64_t h = start[1] + kh * p.dilation[1];
        for (int64_t kw = 0; kw < p.kernel[2]; ++kw) {
          int64_t w = start[2] + kw * p.dilation[2];
          bool in = d >= 0 && d < p.in[0] && h >= 0 && h < p.in[1] && w >= 0 && w < p.in[2];
          padded += d >= -p.pad_begin[0] && d < p.in[0] + p.pad_end[0] && h >= -p.pad_begin[1] &&
                    h < p.in[1] + p.pad_end[1] && w >= -p.pad_begin[2] && w < p.in[2] + p.pad_end[2];
          if (!in) continue;
          double v = Get(type, x, plane * in_plane + (d * p.in[1] + h) * p.in[2] + w);
          ++valid;
          acc = p.max ? ((v > acc || std::isnan(v)) ? v : acc) : acc + v;
        }
      }
    }
    if (!p.max) {
      int64_t count = p.count_include_pad ? padded : valid;
      acc = count > 0 ? acc / count : 0;
    }
    Set(type, y, i, acc);
  }
  return cudaSuccess;
}

cudaError_t LaunchReduce(ReduceOp op, ElementType type, const ReduceLayout& layout, int64_t num_outputs,
                         int64_t reduce_size, const void* x, void* y, cudaStream_t) {
  for (int64_t o = 0; o < num_outputs; ++o) {
    int64_t base[1];
    Offsets(layout.kept, o, base);
    double shift = 0;
    if (op == ReduceOp::kLogSumExp) {
      double m = -INFINITY;
      for (int64_t r = 0; r < reduce_size; ++r) {
        int64_t off[1];
        Offsets(layout.reduced, r, off);
        m = std::max(m, Get(type, x, base[0] + off[0]));
      }
      shift = std::isinf(m) ? 0 : m;
    }
    double acc = op == ReduceOp::kMax ? -INFINITY : op == ReduceOp::kMin ? INFINITY : op == ReduceOp::kProd ? 1 : 0;
    for (int64_t r = 0; r < reduce_size; ++r) {
      int64_t off[1];
      Offsets(layout.reduced, r, off);
      double v = Get(type, x, base[0] + off[0]);
      switch (op) {
        case ReduceOp::kMax:
          acc = std::max(acc, v);
          break;
        case ReduceOp::kMin:
          acc = std::min(acc, v);
          break;
        case ReduceOp::kProd:
          acc *= v;
          break;
        case ReduceOp::kSumSquare:
        case ReduceOp::kL2:
          acc += v * v;
          break;
        case ReduceOp::kL1:
          acc += std::fabs(v);
          break;
        case ReduceOp::kLogSumExp:
          acc += std::exp(v - shift);
          break;
        default:
          acc += v;
          break;
      }
    }
    if (op == ReduceOp::kMean) acc /= reduce_size;
    if (op == ReduceOp::kL2) acc = std::sqrt(acc);
    if (op == ReduceOp::kLogSum) acc = std::log(acc);
    if (op == ReduceOp::kLogSumExp) acc = std::log(acc) + shift;
    Set(type, y, o, acc);
  }
  return cudaSuccess;
}

cudaError_t LaunchSoftmax(ElementType type, const void* x, void* y, int64_t outer, int64_t axis_dim, int64_t inner,
                          bool log, cudaStream_t) {
  for (int64_t line = 0; line < outer * inner; ++line) {
    int64_t base = (line / inner) * axis_dim * inner + line % inner;
    double m = -INFINITY, sum = 0;
    for (int64_t a = 0; a < axis_dim; ++a) m = std::max(m, Get(type, x, base + a * inner));
    for (int64_t a = 0; a < axis_dim; ++a) sum += std::exp(Get(type, x, base + a * inner) - m);
    for (int64_t a = 0; a < axis_dim; ++a) {
      double v = Get(type, x, base + a * inner) - m;
      Set(type, y, base + a * inner, log ? v - std::log(sum) : std::exp(v) / sum);
    }
  }
  return cudaSuccess;
}

cudaError_t LaunchLayerNorm(ElementType type, const void* x, const void* scale, const void* bias, void* y, float* mean,
                            float* inv_std_dev, int64_t rows, int64_t cols, float epsilon, cudaStream_t) {
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0, sq = 0;
    for (int64_t c = 0; c < cols; ++c) sum += Get(type, x, r * cols + c);
    double mu = sum / cols;
    for (int64_t c = 0; c < cols; ++c) sq += (Get(type, x, r * cols + c) - mu) * (Get(type, x, r * cols + c) - mu);
    double inv = 1 / std::sqrt(sq / cols + epsilon);
    for (int64_t c = 0; c < cols; ++c) {
      double v = (Get(type, x, r * cols + c) - mu) * inv * Get(type, scale, c);
      if (bias) v += Get(type, bias, c);
      Set(type, y, r * cols + c, v);
    }
    if (mean) mean[r] = static_cast<float>(mu);
    if (inv_std_dev) inv_std_dev[r] = static_cast<float>(inv);
  }
  return cudaSuccess;
}

cudaError_t LaunchChannelAffine(ElementType type, const void* x, void* y, const float* scale, const float* shift,
                                int64_t outer, int64_t channels, int64_t inner, float lo, float hi, cudaStream_t) {
  for (int64_t i = 0; i < outer * channels * inner; ++i) {
    int64_t c = (i / inner) % channels;
    double v = Get(type, x, i);
    if (scale) v *= scale[c];
    if (shift) v += shift[c];
    Set(type, y, i, std::min<double>(hi, std::max<double>(lo, v)));
  }
  return cudaSuccess;
}

}  // namespace tandem::kernels::cuda
