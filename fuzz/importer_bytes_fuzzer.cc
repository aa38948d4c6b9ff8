// libFuzzer target: the importer on raw bytes, as if an untrusted .onnx file were opened.
//
// Property: ImportModelFromBytes returns a model or a Status for every input; it never crashes,
// hangs, reads out of bounds or allocates absurd memory (libFuzzer's -malloc_limit_mb catches
// an allocation the importer should have refused). A model that imports must also pass the IR's
// own verifier, so an accepted model is a consistent one.
#include <cstddef>
#include <cstdint>
#include <string>

#include "importer/onnx_importer.h"
#include "ir/graph_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto model = tandem::importer::ImportModelFromBytes(bytes, "fuzz.onnx");
  if (model.ok() && !tandem::ir::VerifyGraph(*model->graph).ok()) __builtin_trap();
  return 0;
}
