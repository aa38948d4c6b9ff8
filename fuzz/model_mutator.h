// Structure-aware mutations of ONNX models for the model_structure fuzz target.
//
// Byte-level mutation of a protobuf mostly yields unparsable bytes that the importer rejects in
// its first microsecond. These mutations keep the model parsable and change what an ONNX model
// means: rewire a node to another value, rename outputs onto existing ones, delete, duplicate or
// reorder nodes, change op types, attribute values and types, tensor dims, dtypes and data,
// value-info shapes, opset versions and domains, external-data entries, in the main graph or any
// subgraph. Seeded with the ONNX conformance suite's models, they reach the checker, shape
// inference, the converter, op normalisation and constant folding with nearly-valid models.
#ifndef TANDEM_FUZZ_MODEL_MUTATOR_H_
#define TANDEM_FUZZ_MODEL_MUTATOR_H_

#include <cstdint>
#include <random>

#include "onnx/onnx_pb.h"

namespace tandem::fuzz {

// Applies one random structural mutation to `model` (which stays a valid protobuf message).
// Deterministic for a given rng state.
void MutateModel(onnx::ModelProto* model, std::mt19937_64& rng);

}  // namespace tandem::fuzz

#endif  // TANDEM_FUZZ_MODEL_MUTATOR_H_
