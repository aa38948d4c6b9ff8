// Guards in front of ONNX's shape-inference functions that crash on hostile attributes.
//
// Debian's ONNX 1.12 has inference functions that index arrays with attribute values they never
// range-check: LayerNormalization with axis = INT64_MAX reads far outside an array and kills the
// process, and a Reshape whose shape input is declared [2^31] makes inference allocate 2^31
// dimensions (both found by fuzz/model_structure_fuzzer.cc). tandem runs ONNX's shape inference
// on every untrusted model, so each such function gets a guard that checks the attribute against
// the input's rank, or the shape input's length against a rank limit, first and fails inference
// (an InferenceError, which the importer reports as InvalidArgument naming the node) instead.
//
// The guards wrap the schemas' inference functions in ONNX's global schema registry, once per
// process, before the first inference. Every entry of the table in inference_guards.cc is a
// crash a fuzzer found or an unchecked index read in ONNX 1.12's source; fuzz/regressions/ keeps
// the inputs.
#ifndef TANDEM_IMPORTER_INFERENCE_GUARDS_H_
#define TANDEM_IMPORTER_INFERENCE_GUARDS_H_

namespace tandem::importer {

// Installs the guards (idempotent, thread-safe). Call before any ONNX shape inference.
void InstallInferenceGuards();

}  // namespace tandem::importer

#endif  // TANDEM_IMPORTER_INFERENCE_GUARDS_H_
