// The `run` stage on the GPU executor. A case whose graph has a node the GPU cannot run is
// skipped with that node's reason (the partitioner would place the node on the CPU, and the CPU
// stage covers it), unless `unsupported_fails`. Outputs are compared with the suite's values
// under the same per-dtype tolerances as the CPU (tolerance.h).
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "executors/device_registry.h"
#include "importer/onnx_importer.h"
#include "importer/tensor_proto.h"
#include "tools/conformance/conformance.h"
#include "tools/conformance/tolerance.h"

namespace tandem::conformance {
namespace {

namespace fs = std::filesystem;

class GpuRunChecker : public CaseChecker {
 public:
  explicit GpuRunChecker(bool unsupported_fails) : unsupported_fails_(unsupported_fails) {}

  Outcome Check(const Case& c) override {
    auto model = importer::ImportModel((fs::path(c.dir) / "model.onnx").string());
    if (!model.ok()) return Fail(absl::StrCat("import: ", model.status().message()));
    const ir::Graph& g = *model->graph;
    for (const ir::Node& node : g.nodes()) {
      std::string reason = executors::GpuUnsupportedReason(g, node);
      if (!reason.empty()) return Unsupported(reason);
    }
    for (ir::ValueId id : g.inputs()) {
      if (g.value(id).info.type != ir::ValueType::kTensor || !g.value(id).info.shape.is_static()) {
        return Unsupported(absl::StrCat("input '", g.value(id).name, "' is ", g.value(id).info.ToString()));
      }
    }
    auto runner = executors::CreateGpuRunner(g, executors::GpuRunnerOptions{});
    if (!runner.ok()) {
      if (runner.status().code() == absl::StatusCode::kUnimplemented) return Unsupported(runner.status().message());
      return Fail(absl::StrCat("compile: ", runner.status().message()));
    }
    int sets = 0;
    for (int s = 0;; ++s) {
      fs::path data = fs::path(c.dir) / absl::StrCat("test_data_set_", s);
      if (!fs::is_directory(data)) break;
      ++sets;
      std::vector<ir::Tensor> inputs;
      for (size_t i = 0; i < g.inputs().size(); ++i) {
        auto in = importer::ParseValueFile((data / absl::StrCat("input_", i, ".pb")).string(), ir::ValueType::kTensor);
        if (!in.ok()) return Fail(absl::StrCat("input ", i, ": ", in.status().message()));
        if (in->tensors.size() != 1) return Fail(absl::StrCat("input ", i, " is not one tensor"));
        inputs.push_back(std::move(in->tensors[0]));
      }
      auto outputs = (*runner)->Run(inputs);
      if (!outputs.ok()) return Fail(absl::StrCat("run: ", outputs.status().message()));
      for (size_t i = 0; i < g.outputs().size(); ++i) {
        auto want =
            importer::ParseValueFile((data / absl::StrCat("output_", i, ".pb")).string(), ir::ValueType::kTensor);
        if (!want.ok()) return Fail(absl::StrCat("expected output ", i, ": ", want.status().message()));
        if (want->tensors.size() != 1) return Fail(absl::StrCat("expected output ", i, " is not one tensor"));
        Comparison cmp = CompareTensors((*outputs)[i], want->tensors[0], DefaultTolerance(want->tensors[0].dtype));
        if (!cmp.ok) {
          return Fail(absl::StrCat("data set ", s, " output '", g.value(g.outputs()[i]).name, "': ", cmp.first_mismatch,
                                   " (max abs error ", cmp.max_abs_error, ")"));
        }
      }
    }
    if (sets == 0) return {Verdict::kSkip, "no test_data_set_*"};
    return {Verdict::kPass, ""};
  }

 private:
  static Outcome Fail(std::string reason) { return {Verdict::kFail, std::move(reason)}; }
  Outcome Unsupported(absl::string_view reason) const {
    return {unsupported_fails_ ? Verdict::kFail : Verdict::kSkip, absl::StrCat("not on the GPU: ", reason)};
  }
  bool unsupported_fails_;
};

}  // namespace

std::unique_ptr<CaseChecker> MakeGpuRunChecker(bool unsupported_fails) {
  return std::make_unique<GpuRunChecker>(unsupported_fails);
}

}  // namespace tandem::conformance
