#include "tests/kernels/nn_test_util.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace tandem::kernels::cpu::nn_test {
namespace {

// Sizes promoted to three spatial dims (leading 1s), so one loop nest serves 1-D to 3-D.
struct S3 {
  int64_t v[3] = {1, 1, 1};
};
S3 Promote(const std::vector<int64_t>& s, int64_t fill = 1) {
  S3 r;
  for (int i = 0; i < 3; ++i) r.v[i] = fill;
  const size_t lead = 3 - s.size();
  for (size_t i = 0; i < s.size(); ++i) r.v[lead + i] = s[i];
  return r;
}
S3 Begins(const std::vector<int64_t>& pads) {
  return Promote(std::vector<int64_t>(pads.begin(), pads.begin() + pads.size() / 2), 0);
}
S3 Ends(const std::vector<int64_t>& pads) {
  return Promote(std::vector<int64_t>(pads.begin() + pads.size() / 2, pads.end()), 0);
}
int64_t Prod(const S3& s) { return s.v[0] * s.v[1] * s.v[2]; }

}  // namespace

std::vector<int64_t> ConvCase::XDims() const {
  std::vector<int64_t> d = {n, c};
  d.insert(d.end(), in.begin(), in.end());
  return d;
}
std::vector<int64_t> ConvCase::WDims() const {
  std::vector<int64_t> d = {m, c / group};
  d.insert(d.end(), kernel.begin(), kernel.end());
  return d;
}
std::vector<int64_t> ConvCase::WTransposeDims() const {
  std::vector<int64_t> d = {c, m / group};
  d.insert(d.end(), kernel.begin(), kernel.end());
  return d;
}
std::vector<int64_t> ConvCase::YDims() const {
  std::vector<int64_t> d = {n, m};
  const size_t r = in.size();
  for (size_t i = 0; i < r; ++i) {
    const int64_t eff = (kernel[i] - 1) * dilations[i] + 1;
    d.push_back((in[i] + pads[i] + pads[i + r] - eff) / strides[i] + 1);
  }
  return d;
}
std::string ConvCase::Describe() const {
  return absl::StrCat("n", n, " c", c, " m", m, " g", group, " in[", absl::StrJoin(in, ","), "] k[",
                      absl::StrJoin(kernel, ","), "] s[", absl::StrJoin(strides, ","), "] d[",
                      absl::StrJoin(dilations, ","), "] p[", absl::StrJoin(pads, ","), "]", bias ? " bias" : "",
                      auto_pad.empty() ? "" : " " + auto_pad);
}

ir::Tensor RandomF32(const std::vector<int64_t>& dims, std::mt19937& rng) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return ir::Tensor::FromValues<float>(ir::DType::kFloat32, dims, v);
}

std::vector<double> ToDouble(const ir::Tensor& t) {
  if (t.dtype == ir::DType::kFloat64) {
    auto v = t.values<double>();
    return std::vector<double>(v.begin(), v.end());
  }
  auto v = t.values<float>();
  return std::vector<double>(v.begin(), v.end());
}

ir::Tensor ToF64(const ir::Tensor& f32) {
  return ir::Tensor::FromValues<double>(ir::DType::kFloat64, f32.dims, ToDouble(f32));
}

ir::Attribute Ints(std::vector<int64_t> v) { return ir::Attribute(std::move(v)); }

void ExpectNear(const ir::Tensor& actual, const std::vector<double>& expected, double tol) {
  std::vector<double> got = ToDouble(actual);
  ASSERT_EQ(got.size(), expected.size());
  int reported = 0;
  for (size_t i = 0; i < got.size() && reported < 5; ++i) {
    const bool ok = std::isnan(expected[i]) ? std::isnan(got[i])
                                            : std::abs(got[i] - expected[i]) <= tol * (1 + std::abs(expected[i]));
    if (!ok) {
      ADD_FAILURE() << "element " << i << ": got " << got[i] << ", expected " << expected[i];
      ++reported;
    }
  }
}

std::vector<double> RefConv(const ConvCase& c, const std::vector<double>& x, const std::vector<double>& w,
                            const std::vector<double>& b) {
  std::vector<int64_t> y_dims = c.YDims();
  const S3 in = Promote(c.in), k = Promote(c.kernel), s = Promote(c.strides), d = Promote(c.dilations);
  const S3 pb = Begins(c.pads), out = Promote(std::vector<int64_t>(y_dims.begin() + 2, y_dims.end()));
  const int64_t cg = c.c / c.group, mg = c.m / c.group;
  std::vector<double> y(static_cast<size_t>(c.n * c.m * Prod(out)));
  size_t yi = 0;
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t m = 0; m < c.m; ++m)
      for (int64_t o0 = 0; o0 < out.v[0]; ++o0)
        for (int64_t o1 = 0; o1 < out.v[1]; ++o1)
          for (int64_t o2 = 0; o2 < out.v[2]; ++o2) {
            double acc = b.empty() ? 0.0 : b[m];
            for (int64_t ci = 0; ci < cg; ++ci)
              for (int64_t k0 = 0; k0 < k.v[0]; ++k0)
                for (int64_t k1 = 0; k1 < k.v[1]; ++k1)
                  for (int64_t k2 = 0; k2 < k.v[2]; ++k2) {
                    const int64_t i0 = o0 * s.v[0] - pb.v[0] + k0 * d.v[0];
                    const int64_t i1 = o1 * s.v[1] - pb.v[1] + k1 * d.v[1];
                    const int64_t i2 = o2 * s.v[2] - pb.v[2] + k2 * d.v[2];
                    if (i0 < 0 || i0 >= in.v[0] || i1 < 0 || i1 >= in.v[1] || i2 < 0 || i2 >= in.v[2]) continue;
                    const int64_t channel = (m / mg) * cg + ci;
                    acc += x[(((n * c.c + channel) * in.v[0] + i0) * in.v[1] + i1) * in.v[2] + i2] *
                           w[(((m * cg + ci) * k.v[0] + k0) * k.v[1] + k1) * k.v[2] + k2];
                  }
            y[yi++] = acc;
          }
  return y;
}

std::vector<double> RefConvTranspose(const ConvCase& c, const std::vector<int64_t>& output_padding,
                                     const std::vector<double>& x, const std::vector<double>& w,
                                     const std::vector<double>& b, std::vector<int64_t>* y_dims) {
  const size_t r = c.in.size();
  *y_dims = {c.n, c.m};
  for (size_t i = 0; i < r; ++i) {
    y_dims->push_back(c.strides[i] * (c.in[i] - 1) + output_padding[i] + (c.kernel[i] - 1) * c.dilations[i] + 1 -
                      c.pads[i] - c.pads[i + r]);
  }
  const S3 in = Promote(c.in), k = Promote(c.kernel), s = Promote(c.strides), d = Promote(c.dilations);
  const S3 pb = Begins(c.pads), out = Promote(std::vector<int64_t>(y_dims->begin() + 2, y_dims->end()));
  const int64_t cg = c.c / c.group, mg = c.m / c.group;
  std::vector<double> y(static_cast<size_t>(c.n * c.m * Prod(out)));
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t m = 0; m < c.m; ++m)
      for (int64_t i = 0; i < Prod(out); ++i) y[(n * c.m + m) * Prod(out) + i] = b.empty() ? 0.0 : b[m];
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t ch = 0; ch < c.c; ++ch)
      for (int64_t i0 = 0; i0 < in.v[0]; ++i0)
        for (int64_t i1 = 0; i1 < in.v[1]; ++i1)
          for (int64_t i2 = 0; i2 < in.v[2]; ++i2) {
            const double xv = x[(((n * c.c + ch) * in.v[0] + i0) * in.v[1] + i1) * in.v[2] + i2];
            for (int64_t mo = 0; mo < mg; ++mo)
              for (int64_t k0 = 0; k0 < k.v[0]; ++k0)
                for (int64_t k1 = 0; k1 < k.v[1]; ++k1)
                  for (int64_t k2 = 0; k2 < k.v[2]; ++k2) {
                    const int64_t o0 = i0 * s.v[0] - pb.v[0] + k0 * d.v[0];
                    const int64_t o1 = i1 * s.v[1] - pb.v[1] + k1 * d.v[1];
                    const int64_t o2 = i2 * s.v[2] - pb.v[2] + k2 * d.v[2];
                    if (o0 < 0 || o0 >= out.v[0] || o1 < 0 || o1 >= out.v[1] || o2 < 0 || o2 >= out.v[2]) continue;
                    const int64_t m = (ch / cg) * mg + mo;
                    y[(((n * c.m + m) * out.v[0] + o0) * out.v[1] + o1) * out.v[2] + o2] +=
                        xv * w[(((ch * mg + mo) * k.v[0] + k0) * k.v[1] + k1) * k.v[2] + k2];
                  }
          }
  return y;
}

namespace {

// Calls fn(plane, out_index, valid input indices (plane-relative), padded tap count) per output.
template <typename Fn>
void ForEachWindow(const PoolCase& p, Fn&& fn) {
  const S3 in = Promote(p.in), k = Promote(p.kernel), s = Promote(p.strides), d = Promote(p.dilations);
  const S3 pb = Begins(p.pads), pe = Ends(p.pads), out = Promote(p.out);
  std::vector<int64_t> valid;
  for (int64_t plane = 0; plane < p.n * p.c; ++plane) {
    int64_t o = 0;
    for (int64_t o0 = 0; o0 < out.v[0]; ++o0)
      for (int64_t o1 = 0; o1 < out.v[1]; ++o1)
        for (int64_t o2 = 0; o2 < out.v[2]; ++o2, ++o) {
          valid.clear();
          int64_t padded = 0;
          for (int64_t k0 = 0; k0 < k.v[0]; ++k0)
            for (int64_t k1 = 0; k1 < k.v[1]; ++k1)
              for (int64_t k2 = 0; k2 < k.v[2]; ++k2) {
                const int64_t i[3] = {o0 * s.v[0] - pb.v[0] + k0 * d.v[0], o1 * s.v[1] - pb.v[1] + k1 * d.v[1],
                                      o2 * s.v[2] - pb.v[2] + k2 * d.v[2]};
                bool inside = true, inside_padded = true;
                for (int j = 0; j < 3; ++j) {
                  inside &= i[j] >= 0 && i[j] < in.v[j];
                  inside_padded &= i[j] >= -pb.v[j] && i[j] < in.v[j] + pe.v[j];
                }
                padded += inside_padded;
                if (inside) valid.push_back((i[0] * in.v[1] + i[1]) * in.v[2] + i[2]);
              }
          fn(plane, o, valid, padded);
        }
  }
}

}  // namespace

std::vector<double> RefMaxPool(const PoolCase& p, const std::vector<double>& x, std::vector<int64_t>* argmax) {
  const int64_t in_plane = Prod(Promote(p.in)), out_plane = Prod(Promote(p.out));
  std::vector<double> y(static_cast<size_t>(p.n * p.c * out_plane));
  if (argmax) argmax->assign(y.size(), -1);
  ForEachWindow(p, [&](int64_t plane, int64_t o, const std::vector<int64_t>& valid, int64_t) {
    double best = -std::numeric_limits<double>::infinity();
    int64_t at = -1;
    for (int64_t i : valid) {
      if (x[plane * in_plane + i] > best) best = x[plane * in_plane + i], at = plane * in_plane + i;
    }
    y[plane * out_plane + o] = best;
    if (argmax) (*argmax)[plane * out_plane + o] = at;
  });
  return y;
}

std::vector<double> RefAveragePool(const PoolCase& p, const std::vector<double>& x, bool count_include_pad) {
  const int64_t in_plane = Prod(Promote(p.in)), out_plane = Prod(Promote(p.out));
  std::vector<double> y(static_cast<size_t>(p.n * p.c * out_plane));
  ForEachWindow(p, [&](int64_t plane, int64_t o, const std::vector<int64_t>& valid, int64_t padded) {
    double sum = 0;
    for (int64_t i : valid) sum += x[plane * in_plane + i];
    y[plane * out_plane + o] = sum / static_cast<double>(count_include_pad ? padded : valid.size());
  });
  return y;
}

std::vector<double> RefMatMul(int64_t m, int64_t n, int64_t k, const std::vector<double>& a, bool trans_a,
                              const std::vector<double>& b, bool trans_b) {
  std::vector<double> c(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += (trans_a ? a[p * m + i] : a[i * k + p]) * (trans_b ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = acc;
    }
  return c;
}

namespace {

double Sigmoid(double v) { return 1 / (1 + std::exp(-v)); }
double Tanh(double v) { return std::tanh(v); }

}  // namespace

RecurrentResult RefRecurrent(const RecurrentCase& c, const std::vector<double>& x, const std::vector<double>& w,
                             const std::vector<double>& r, const std::vector<double>& b,
                             const std::vector<int32_t>& seq_lens, const std::vector<double>& h0,
                             const std::vector<double>& c0, const std::vector<double>& p,
                             const std::vector<double (*)(double)>& acts) {
  const int64_t H = c.hidden, G = c.gates * H;
  const int per_dir = c.gates == 1 ? 1 : c.gates == 3 ? 2 : 3;
  RecurrentResult res;
  res.y.assign(static_cast<size_t>(c.seq * c.dirs * c.batch * H), 0.0);
  res.y_h.assign(static_cast<size_t>(c.dirs * c.batch * H), 0.0);
  res.y_c = res.y_h;
  auto clip = [&](double v) { return c.clip > 0 ? std::min(std::max(v, -c.clip), c.clip) : v; };
  auto state_at = [&](int64_t d, int64_t bt) { return (c.batch_first ? bt * c.dirs + d : d * c.batch + bt) * H; };
  for (int64_t d = 0; d < c.dirs; ++d) {
    auto act = [&](int j) {
      if (!acts.empty()) return acts[d * per_dir + j];
      return (c.gates == 1 || j > 0) ? &Tanh : &Sigmoid;
    };
    const bool reverse = c.reverse || d == 1;
    for (int64_t bt = 0; bt < c.batch; ++bt) {
      const int64_t len = seq_lens.empty() ? c.seq : seq_lens[bt];
      std::vector<double> h(H), cs(H);
      for (int64_t j = 0; j < H; ++j) {
        h[j] = h0.empty() ? 0 : h0[state_at(d, bt) + j];
        cs[j] = c0.empty() ? 0 : c0[state_at(d, bt) + j];
      }
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = reverse ? len - 1 - s : s;
        const double* xt = &x[(c.batch_first ? bt * c.seq + t : t * c.batch + bt) * c.input];
        // pre[gate*H + j] = x·W + Wb + Rb, hr[...] = h·R (without bias).
        std::vector<double> xw(G), hr(G);
        for (int64_t q = 0; q < G; ++q) {
          for (int64_t i = 0; i < c.input; ++i) xw[q] += xt[i] * w[(d * G + q) * c.input + i];
          for (int64_t i = 0; i < H; ++i) hr[q] += h[i] * r[(d * G + q) * H + i];
        }
        auto wb = [&](int64_t q) { return b.empty() ? 0.0 : b[d * 2 * G + q]; };
        auto rb = [&](int64_t q) { return b.empty() ? 0.0 : b[d * 2 * G + G + q]; };
        std::vector<double> nh(H);
        if (c.gates == 1) {
          for (int64_t j = 0; j < H; ++j) nh[j] = act(0)(clip(xw[j] + wb(j) + hr[j] + rb(j)));
        } else if (c.gates == 3) {
          std::vector<double> z(H), rr(H);
          for (int64_t j = 0; j < H; ++j) {
            z[j] = act(0)(clip(xw[j] + wb(j) + hr[j] + rb(j)));
            rr[j] = act(0)(clip(xw[H + j] + wb(H + j) + hr[H + j] + rb(H + j)));
          }
          for (int64_t j = 0; j < H; ++j) {
            double inner;
            if (c.linear_before_reset) {
              inner = rr[j] * (hr[2 * H + j] + rb(2 * H + j));
            } else {
              inner = rb(2 * H + j);
              for (int64_t i = 0; i < H; ++i) inner += rr[i] * h[i] * r[(d * G + 2 * H + j) * H + i];
            }
            const double cand = act(1)(clip(xw[2 * H + j] + wb(2 * H + j) + inner));
            nh[j] = (1 - z[j]) * cand + z[j] * h[j];
          }
        } else {
          for (int64_t j = 0; j < H; ++j) {
            auto pre = [&](int gate) { return xw[gate * H + j] + wb(gate * H + j) + hr[gate * H + j] + rb(gate * H + j); };
            auto peep = [&](int k) { return p.empty() ? 0.0 : p[d * 3 * H + k * H + j]; };
            const double in = act(0)(clip(pre(0) + peep(0) * cs[j]));
            const double f = c.input_forget ? 1 - in : act(0)(clip(pre(2) + peep(2) * cs[j]));
            const double cell = act(1)(clip(pre(3)));
            const double cn = f * cs[j] + in * cell;
            const double o = act(0)(clip(pre(1) + peep(1) * cn));
            cs[j] = cn;
            nh[j] = o * act(2)(cn);
          }
        }
        h = nh;
        const int64_t yo = (c.batch_first ? (bt * c.seq + t) * c.dirs + d : (t * c.dirs + d) * c.batch + bt) * H;
        for (int64_t j = 0; j < H; ++j) res.y[yo + j] = h[j];
      }
      for (int64_t j = 0; j < H; ++j) {
        res.y_h[state_at(d, bt) + j] = h[j];
        res.y_c[state_at(d, bt) + j] = cs[j];
      }
    }
  }
  return res;
}

}  // namespace tandem::kernels::cpu::nn_test
