// tandem-classify MODEL.onnx [GPU_MEMORY]
//
// A minimal application embedding tandem: it creates a session (optionally with a GPU budget
// such as "2GiB" or "25%"), prints the model's inputs and outputs and the devices in use, feeds
// every input with a deterministic ramp held in the application's own memory (borrowed, not
// copied), runs the model twice from two threads, and prints the top entries of the first
// output. It uses only the public headers.
#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "tandem/session.h"

namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tandem-classify MODEL.onnx [GPU_MEMORY]\n");
    return 2;
  }
  tandem::SessionOptions options;
  if (argc > 2) options.gpu_memory = argv[2];
  auto session = tandem::Session::Create(argv[1], options);
  if (!session.ok()) {
    std::fprintf(stderr, "tandem-classify: %s\n", std::string(session.status().message()).c_str());
    return 1;
  }
  for (const std::string& w : (*session)->warnings()) std::printf("%s\n", w.c_str());
  std::string devices;
  for (const std::string& d : (*session)->devices()) devices += (devices.empty() ? "" : ", ") + d;
  std::printf("devices: %s\n", devices.c_str());

  // The application owns the input memory; the session only borrows it during Run.
  std::vector<std::vector<float>> storage;
  std::map<std::string, tandem::Tensor> inputs;
  for (const tandem::TensorSpec& in : (*session)->inputs()) {
    std::vector<int64_t> shape = in.shape;
    for (int64_t& d : shape) d = d < 0 ? 1 : d;  // unknown dims (e.g. batch): 1
    std::printf("input  %-12s %s %s\n", in.name.c_str(), tandem::DTypeName(in.dtype),
                ShapeText(shape).c_str());
    if (in.dtype != tandem::DType::kFloat32) {
      std::fprintf(stderr, "tandem-classify: input '%s' is not float32\n", in.name.c_str());
      return 1;
    }
    const int64_t n = std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
    storage.emplace_back(n);
    for (int64_t i = 0; i < n; ++i) storage.back()[i] = static_cast<float>(i % 255) / 255.0f - 0.5f;
    auto t = tandem::Tensor::Borrow(tandem::DType::kFloat32, shape, storage.back().data(),
                                    storage.back().size() * sizeof(float));
    if (!t.ok()) {
      std::fprintf(stderr, "tandem-classify: %s\n", std::string(t.status().message()).c_str());
      return 1;
    }
    inputs[in.name] = *t;
  }

  // Run is thread-safe: two threads share the session.
  tandem::StatusOr<std::map<std::string, tandem::Tensor>> results[2];
  std::thread other([&] { results[1] = (*session)->Run(inputs); });
  results[0] = (*session)->Run(inputs);
  other.join();
  for (const auto& r : results) {
    if (!r.ok()) {
      std::fprintf(stderr, "tandem-classify: %s\n", std::string(r.status().message()).c_str());
      return 1;
    }
  }
  const tandem::TensorSpec& first = (*session)->outputs().at(0);
  const tandem::Tensor& a = results[0]->at(first.name);
  const tandem::Tensor& b = results[1]->at(first.name);
  const bool same = a.byte_size() == b.byte_size() &&
                    std::equal(a.data_as<char>(), a.data_as<char>() + a.byte_size(), b.data_as<char>());
  std::printf("output %-12s %s %s (both threads agree: %s)\n", first.name.c_str(),
              tandem::DTypeName(a.dtype()), ShapeText(a.shape()).c_str(), same ? "yes" : "NO");
  if (a.dtype() == tandem::DType::kFloat32 && a.num_elements() > 0) {
    std::vector<int64_t> order(a.num_elements());
    std::iota(order.begin(), order.end(), 0);
    const float* v = a.data_as<float>();
    const size_t k = std::min<size_t>(3, order.size());
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int64_t x, int64_t y) { return v[x] > v[y]; });
    for (size_t i = 0; i < k; ++i) std::printf("  top %zu: index %lld = %.6f\n", i + 1,
                                               static_cast<long long>(order[i]), v[order[i]]);
  }
  return same ? 0 : 1;
}
