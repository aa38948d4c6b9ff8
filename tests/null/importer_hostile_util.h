// Shared by the importer's hostile-model tests (importer_hostile_test.cc,
// importer_external_data_test.cc, importer_wire_test.cc): import a mutated ModelProto and check
// that the error names the model and says why.
#ifndef TANDEM_TESTS_NULL_IMPORTER_HOSTILE_UTIL_H_
#define TANDEM_TESTS_NULL_IMPORTER_HOSTILE_UTIL_H_

#include <initializer_list>
#include <string>

#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "onnx/onnx_pb.h"
#include "tests/null/onnx_test_models_util.h"

namespace tandem::importer::hostile {

using Code = ::absl::StatusCode;
using ::tandem::test_models::AddNode;
using ::tandem::test_models::ConvModel;
using ::tandem::test_models::Iota;
using ::tandem::test_models::NestedIfModel;
using ::tandem::test_models::ReluAddModel;
using ::tandem::test_models::ReshapeV1Model;
using ::tandem::test_models::ScratchDir;
using ::tandem::test_models::Serialize;
using ::tandem::test_models::SetTensorType;

inline constexpr char kName[] = "hostile.onnx";

inline ImportOptions NoChecker() {
  ImportOptions o;
  o.run_checker = false;
  return o;
}

inline absl::Status ImportStatus(const onnx::ModelProto& model, const ImportOptions& options = {}) {
  return ImportModelFromBytes(test_models::Serialize(model), kName, options).status();
}

// The status has `code`, its message starts with "<model>: " and contains every one of `parts`.
inline ::testing::AssertionResult IsError(const absl::Status& s, Code code,
                                   std::initializer_list<std::string> parts,
                                   const std::string& model = kName) {
  std::string msg(s.message());
  bool ok = s.code() == code && msg.rfind(model + ": ", 0) == 0;
  for (const auto& p : parts) ok = ok && msg.find(p) != std::string::npos;
  if (ok) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure()
                 << "expected " << absl::StatusCodeToString(code) << " starting with \"" << model
                 << ": \" and containing";
  for (const auto& p : parts) failure << " \"" << p << "\"";
  return failure << "; got " << s;
}

inline onnx::TensorProto* FindInitializer(onnx::ModelProto& m, const std::string& name) {
  for (auto& t : *m.mutable_graph()->mutable_initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

// If "branch" with a then_branch/else_branch from test_models::NestedIfModel(1), mutated by the test.
inline onnx::ModelProto IfModel() {
  onnx::ModelProto m = test_models::NestedIfModel(1);
  m.mutable_graph()->mutable_node(0)->set_name("branch");
  return m;
}

inline onnx::GraphProto* Branch(onnx::ModelProto& m, int i) {
  return m.mutable_graph()->mutable_node(0)->mutable_attribute(i)->mutable_g();
}

}  // namespace tandem::importer::hostile

#endif  // TANDEM_TESTS_NULL_IMPORTER_HOSTILE_UTIL_H_
