// The model_structure fuzz target's mutator (fuzz/model_mutator.h) run as a deterministic test:
// mutated conformance-suite models, imported as the fuzzer would. Not a substitute for fuzzing
// (scripts/fuzz.sh); it keeps the mutator working and gives every build, ASan included, a few
// thousand nearly-valid hostile models.
#include "fuzz/model_mutator.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "ir/graph_verifier.h"
#include "onnx/onnx_pb.h"
#include "tests/null/onnx_test_models_util.h"

namespace tandem::fuzz {
namespace {

std::vector<std::string> SeedModels() {
  std::vector<std::string> seeds;
  const std::filesystem::path node_tests = std::filesystem::path(TANDEM_ONNX_TESTDATA) / "node";
  for (const char* test : {"test_conv_with_strides_padding", "test_gemm_default_single_elem_vector_bias",
                           "test_if", "test_loop11", "test_reshape_reordered_all_dims", "test_slice",
                           "test_resize_upsample_scales_linear", "test_lstm_defaults", "test_scan9_sum",
                           "test_topk", "test_cast_FLOAT_to_STRING", "test_einsum_batch_matmul"}) {
    std::ifstream in(node_tests / test / "model.onnx", std::ios::binary);
    if (in) seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  seeds.push_back(test_models::Serialize(test_models::ConvModel()));
  return seeds;
}

TEST(ModelMutator, MutatedModelsStayParsableAndChangeTheModel) {
  std::mt19937_64 rng(1);
  for (const std::string& seed : SeedModels()) {
    onnx::ModelProto model;
    ASSERT_TRUE(model.ParseFromString(seed));
    std::set<std::string> variants;
    for (int i = 0; i < 50; ++i) {
      onnx::ModelProto mutated = model;
      MutateModel(&mutated, rng);
      const std::string bytes = mutated.SerializeAsString();
      onnx::ModelProto reparsed;
      ASSERT_TRUE(reparsed.ParseFromString(bytes));
      variants.insert(bytes);
    }
    // Most mutations give a new model (some repeat: a small model offers few choices).
    EXPECT_GT(variants.size(), 20u);
  }
}

TEST(ModelMutator, ImporterAnswersEveryMutatedModel) {
  std::mt19937_64 rng(7);
  int accepted = 0, refused = 0;
  for (const std::string& seed : SeedModels()) {
    onnx::ModelProto model;
    ASSERT_TRUE(model.ParseFromString(seed));
    for (int i = 0; i < 150; ++i) {
      onnx::ModelProto mutated = model;
      for (int m = 0; m < 1 + i % 3; ++m) MutateModel(&mutated, rng);
      auto imported = importer::ImportModelFromBytes(mutated.SerializeAsString(), "mutated.onnx");
      if (imported.ok()) {
        ++accepted;
        EXPECT_TRUE(ir::VerifyGraph(*imported->graph).ok());
      } else {
        ++refused;
        // Every refusal names the model it is about.
        EXPECT_EQ(std::string(imported.status().message()).rfind("mutated.onnx: ", 0), 0u) << imported.status();
      }
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace tandem::fuzz
