// float32 loops compiled once per x86 instruction set (AVX-512, AVX2+FMA, SSE2), and the one
// table this CPU should use.
//
// Our kernels otherwise build for baseline x86-64, where GCC vectorises simple loops 4 floats at
// a time and libm calls (erff) not at all: the four Erf nodes of bert_encoder's GELUs were 24% of
// a 1-thread run. Each vector_f32_<isa>.cc compiles vector_f32_impl.h with that ISA's flags and
// native vector width (see simd.h for why a whole file per ISA).
#ifndef TANDEM_KERNELS_CPU_VECTOR_F32_H_
#define TANDEM_KERNELS_CPU_VECTOR_F32_H_

#include <cstdint>

namespace tandem::kernels::cpu {

// One output row of a 2-D depthwise convolution (one filter per channel), NHWC:
//   out[ow * channels + c] = min(max(bias[c] + sum over kh, kw of
//       input_rows[kh][(ow * stride - pad_left + kw * dilation) * channels + c] *
//       weights[(kh * kernel_w + kw) * channels + c], lo), hi)
// for ow < out_w and c in [channel_begin, channel_end). A null input_rows[kh] is a row of the
// padding, and a column outside [0, in_w) is padding too: both add nothing. bias may be null.
// Only those channels of `out` are written, so threads may share a row by channel ranges.
struct DepthwiseRow {
  const float* const* input_rows;  // [kernel_h], each in_w pixels of `channels` floats, or null
  const float* weights;            // [kernel_h * kernel_w][channels]
  const float* bias;               // [channels], or null
  float* out;                      // out_w pixels of `channels` floats
  int64_t channels, channel_begin, channel_end;
  int64_t in_w, out_w, kernel_h, kernel_w;
  int64_t stride, dilation, pad_left;  // along the width
  float lo, hi;                        // the fused clamp (-inf, inf for none)
};

struct VectorF32Kernels {
  const char* isa;  // "avx512", "avx2" or "sse2"
  // y[i] = exp(x[i]) / erf(x[i]) / tanh(x[i]), i < n (y may be x). Accuracy in simd.h.
  void (*exp)(const float* x, float* y, int64_t n);
  void (*erf)(const float* x, float* y, int64_t n);
  void (*tanh)(const float* x, float* y, int64_t n);
  // y[i] = x[i] * sigmoid(x[i]) (SiLU), as Mul(x, Sigmoid(x)) gives it, NaN and infinities
  // included; within 4e-7 relative (y may be x).
  void (*silu)(const float* x, float* y, int64_t n);
  // Softmax (log = false) or LogSoftmax of one contiguous row of n >= 1 floats (y may be x).
  // A NaN anywhere in the row, or a row that is all -inf, gives NaN everywhere, as numpy does.
  // Weights below 2^-125 are exactly 0.
  void (*softmax_row)(const float* x, float* y, int64_t n, bool log);
  // Channels [channel_begin, channel_end) of one output row of a 2-D depthwise convolution with
  // channels innermost (DepthwiseRow has the geometry and the contract).
  void (*depthwise_row)(const DepthwiseRow& row);
  // y[p * channels + c] = x[p * channels + c] * scale[c] + shift[c] for p < pixels (channels
  // innermost: a per-channel affine map such as an inference BatchNormalization in NHWC).
  void (*channel_affine)(const float* x, float* y, int64_t pixels, int64_t channels, const float* scale,
                         const float* shift);
  // y[i] = a[i * sa] op b[i * sb] for i < n, with strides sa, sb of 0 (a repeated scalar) or 1:
  // one run of a broadcasting Add, Sub, Mul or Div (index by VectorBinaryOp).
  using BinaryRun = void (*)(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n);
  BinaryRun binary[4];
};

enum class VectorIsa { kSse2, kAvx2, kAvx512 };
enum VectorBinaryOp { kVectorAdd = 0, kVectorSub = 1, kVectorMul = 2, kVectorDiv = 3 };

// The table for the best ISA this CPU (and OS) supports, chosen once.
const VectorF32Kernels& VectorF32();
// The table for `isa`, or nullptr when this CPU cannot run it (for tests of every path).
const VectorF32Kernels* VectorF32For(VectorIsa isa);

// Defined by vector_f32_<isa>.cc.
extern const VectorF32Kernels kVectorF32Sse2;
extern const VectorF32Kernels kVectorF32Avx2;
extern const VectorF32Kernels kVectorF32Avx512;

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_KERNELS_CPU_VECTOR_F32_H_
