// The `run` stage: a case passes when the model runs on the device and every output of every
// test_data_set_* matches the expected values within the dtype's tolerance (tolerance.h).
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "executors/cpu/cpu_executor.h"
#include "importer/node_inference.h"
#include "importer/onnx_importer.h"
#include "importer/tensor_proto.h"
#include "tools/conformance/conformance.h"
#include "tools/conformance/tolerance.h"

namespace tandem::conformance {
namespace {

namespace fs = std::filesystem;

executors::RuntimeValue ToRuntimeValue(importer::TestValue v, const ir::TensorInfo& info) {
  executors::RuntimeValue r;
  r.type = v.type;
  r.has_value = v.has_value;
  r.tensors = std::move(v.tensors);
  r.elem_dtype = info.dtype;
  for (ir::Tensor& t : r.tensors) {
    // The suite stores bfloat16 values as uint16 bit patterns.
    if (info.dtype == ir::DType::kBFloat16 && t.dtype == ir::DType::kUInt16) t.dtype = ir::DType::kBFloat16;
  }
  return r;
}

class CpuRunChecker : public CaseChecker {
 public:
  explicit CpuRunChecker(int threads) : threads_(threads) {}

  Outcome Check(const Case& c) override {
    auto model = importer::ImportModel((fs::path(c.dir) / "model.onnx").string());
    if (!model.ok()) return Fail(absl::StrCat("import: ", model.status().message()));
    const ir::Graph& g = *model->graph;
    executors::CpuExecutorOptions options;
    options.threads = threads_;
    options.infer = importer::MakeNodeInference(g.opsets());
    auto executor = executors::CpuExecutor::Create(g, options);
    if (!executor.ok()) return Fail(absl::StrCat("compile: ", executor.status().message()));
    int sets = 0;
    for (int s = 0;; ++s) {
      fs::path data = fs::path(c.dir) / absl::StrCat("test_data_set_", s);
      if (!fs::is_directory(data)) break;
      ++sets;
      std::vector<executors::RuntimeValue> inputs;
      for (size_t i = 0; i < g.inputs().size(); ++i) {
        const ir::TensorInfo& info = g.value(g.inputs()[i]).info;
        auto in = importer::ParseValueFile((data / absl::StrCat("input_", i, ".pb")).string(), info.type);
        if (!in.ok()) return Fail(absl::StrCat("input ", i, ": ", in.status().message()));
        inputs.push_back(ToRuntimeValue(*std::move(in), info));
      }
      auto outputs = (*executor)->RunValues(std::move(inputs));
      if (!outputs.ok()) return Fail(absl::StrCat("run: ", outputs.status().message()));
      for (size_t i = 0; i < g.outputs().size(); ++i) {
        const ir::TensorInfo& info = g.value(g.outputs()[i]).info;
        auto want = importer::ParseValueFile((data / absl::StrCat("output_", i, ".pb")).string(), info.type);
        if (!want.ok()) return Fail(absl::StrCat("expected output ", i, ": ", want.status().message()));
        const executors::RuntimeValue& got = (*outputs)[i];
        std::string where = absl::StrCat("data set ", s, " output '", g.value(g.outputs()[i]).name, "'");
        if (got.has_value != want->has_value || got.tensors.size() != want->tensors.size()) {
          return Fail(absl::StrCat(where, ": got ", got.Describe(), ", expected ",
                                   want->has_value ? absl::StrCat(want->tensors.size(), " tensors") : "none"));
        }
        for (size_t e = 0; e < got.tensors.size(); ++e) {
          ir::Tensor& expected = want->tensors[e];
          // The suite stores bfloat16 values as uint16 bit patterns.
          if (got.tensors[e].dtype == ir::DType::kBFloat16 && expected.dtype == ir::DType::kUInt16) {
            expected.dtype = ir::DType::kBFloat16;
          }
          Comparison cmp = CompareTensors(got.tensors[e], expected, DefaultTolerance(expected.dtype));
          if (!cmp.ok) {
            return Fail(absl::StrCat(where, got.tensors.size() > 1 ? absl::StrCat(" element ", e) : "", ": ",
                                     cmp.first_mismatch, " (max abs error ", cmp.max_abs_error, ")"));
          }
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
