// The `run` stage: a case passes when the model runs on the device and every output of every
// test_data_set_* matches the expected values within the dtype's tolerance (tolerance.h).
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "executors/cpu/cpu_executor.h"
#include "importer/onnx_importer.h"
#include "importer/tensor_proto.h"
#include "tools/conformance/conformance.h"
#include "tools/conformance/tolerance.h"

namespace tandem::conformance {
namespace {

namespace fs = std::filesystem;

class CpuRunChecker : public CaseChecker {
 public:
  explicit CpuRunChecker(int threads) : threads_(threads) {}

  Outcome Check(const Case& c) override {
    auto model = importer::ImportModel((fs::path(c.dir) / "model.onnx").string());
    if (!model.ok()) return Fail(absl::StrCat("import: ", model.status().message()));
    const ir::Graph& g = *model->graph;
    auto executor = executors::CpuExecutor::Create(g, {threads_});
    if (!executor.ok()) return Fail(absl::StrCat("compile: ", executor.status().message()));
    int sets = 0;
    for (int s = 0;; ++s) {
      fs::path data = fs::path(c.dir) / absl::StrCat("test_data_set_", s);
      if (!fs::is_directory(data)) break;
      ++sets;
      std::vector<ir::Tensor> inputs;
      for (size_t i = 0; i < g.inputs().size(); ++i) {
        auto in = importer::ParseTensorFile((data / absl::StrCat("input_", i, ".pb")).string());
        if (!in.ok()) return Fail(absl::StrCat("input ", i, ": ", in.status().message()));
        inputs.push_back(std::move(in->tensor));
      }
      auto outputs = (*executor)->Run(inputs);
      if (!outputs.ok()) return Fail(absl::StrCat("run: ", outputs.status().message()));
      for (size_t i = 0; i < g.outputs().size(); ++i) {
        auto want = importer::ParseTensorFile((data / absl::StrCat("output_", i, ".pb")).string());
        if (!want.ok()) return Fail(absl::StrCat("expected output ", i, ": ", want.status().message()));
        ir::Tensor& got = (*outputs)[i];
        // The suite stores bfloat16 expectations as uint16 bit patterns.
        if (got.dtype == ir::DType::kBFloat16 && want->tensor.dtype == ir::DType::kUInt16) {
          want->tensor.dtype = ir::DType::kBFloat16;
        }
        Comparison cmp = CompareTensors(got, want->tensor, DefaultTolerance(want->tensor.dtype));
        if (!cmp.ok) {
          return Fail(absl::StrCat("data set ", s, " output '", g.value(g.outputs()[i]).name,
                                   "': ", cmp.first_mismatch, " (max abs error ", cmp.max_abs_error, ")"));
        }
      }
    }
    if (sets == 0) return {Verdict::kSkip, "no test_data_set_*"};
    return {Verdict::kPass, ""};
  }

 private:
  static Outcome Fail(std::string reason) { return {Verdict::kFail, std::move(reason)}; }
  int threads_;
};

}  // namespace

std::unique_ptr<CaseChecker> MakeCpuRunChecker(int threads) {
  return std::make_unique<CpuRunChecker>(threads);
}

}  // namespace tandem::conformance
