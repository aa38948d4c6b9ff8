// libFuzzer target: the importer on structurally mutated ONNX models (see model_mutator.h).
//
// The custom mutator parses the input as a ModelProto and applies 1-3 structural mutations;
// inputs that do not parse fall back to libFuzzer's byte mutations. The property checked is the
// importer_bytes one: a Status or a verified graph, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "fuzz/model_mutator.h"
#include "importer/onnx_importer.h"
#include "ir/graph_verifier.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  onnx::ModelProto model;
  if (!model.ParseFromArray(data, static_cast<int>(size))) return LLVMFuzzerMutate(data, size, max_size);
  std::mt19937_64 rng(seed);
  const int mutations = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < mutations; ++i) tandem::fuzz::MutateModel(&model, rng);
  const std::string bytes = model.SerializeAsString();
  if (bytes.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto model = tandem::importer::ImportModelFromBytes(bytes, "fuzz.onnx");
  if (model.ok() && !tandem::ir::VerifyGraph(*model->graph).ok()) __builtin_trap();
  return 0;
}
