// The `import` stage: a case passes when its model imports and every graph output's inferred
// dtype and static shape equal those of the expected output tensors of test_data_set_0.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "importer/onnx_importer.h"
#include "importer/tensor_proto.h"
#include "ir/shape.h"
#include "tools/conformance/conformance.h"

namespace tandem::conformance {
namespace {

namespace fs = std::filesystem;

// The suite stores bfloat16 expectations as uint16 bit patterns.
bool SameDType(ir::DType inferred, ir::DType expected) {
  return inferred == expected ||
         (inferred == ir::DType::kBFloat16 && expected == ir::DType::kUInt16);
}

// "" when `info` agrees with every tensor of `expected`, else what differs. A tensor (or an
// optional's tensor) must match in dtype and exact static shape; sequence elements vary in shape,
// so they must match in dtype and rank, and in each dimension the inference did pin down.
std::string CompareInfo(const ir::TensorInfo& info, const importer::TestValue& expected) {
  bool is_sequence = info.type == ir::ValueType::kSequence ||
                     info.type == ir::ValueType::kOptionalSequence;
  for (const ir::Tensor& t : expected.tensors) {
    ir::TensorInfo want{t.dtype, ir::Shape::Static(t.dims), info.type};
    bool ok = SameDType(info.dtype, t.dtype);
    if (!is_sequence) {
      ok = ok && info.shape == want.shape;
    } else if (info.shape.has_rank()) {
      ok = ok && info.shape.rank() == static_cast<int>(t.dims.size());
      for (int d = 0; ok && d < info.shape.rank(); ++d) {
        const ir::Dim& dim = info.shape.dim(d);
        ok = !dim.is_static() || dim.size() == t.dims[d];
      }
    }
    if (!ok) return absl::StrCat("inferred as ", info.ToString(), ", expected ", want.ToString());
  }
  return "";
}

class ImportChecker : public CaseChecker {
 public:
  Outcome Check(const Case& c) override {
    auto model = importer::ImportModel((fs::path(c.dir) / "model.onnx").string());
    if (!model.ok()) return Fail(absl::StrCat("import: ", model.status().ToString()));
    const ir::Graph& g = *model->graph;
    fs::path data = fs::path(c.dir) / "test_data_set_0";
    if (!fs::is_directory(data)) return {Verdict::kSkip, "no test_data_set_0"};
    for (size_t i = 0; i < g.outputs().size(); ++i) {
      const ir::Value& out = g.value(g.outputs()[i]);
      fs::path file = data / absl::StrCat("output_", i, ".pb");
      auto expected = importer::ParseValueFile(file.string(), out.info.type);
      if (!expected.ok()) {
        return Fail(absl::StrCat("output '", out.name, "' (", out.info.ToString(),
                                 "): cannot read the expected value: ", expected.status().message()));
      }
      std::string mismatch = CompareInfo(out.info, *expected);
      if (!mismatch.empty()) return Fail(absl::StrCat("output '", out.name, "' ", mismatch));
    }
    return {Verdict::kPass, ""};
  }

 private:
  static Outcome Fail(std::string reason) { return {Verdict::kFail, std::move(reason)}; }
};

}  // namespace

std::unique_ptr<CaseChecker> MakeImportChecker() { return std::make_unique<ImportChecker>(); }

}  // namespace tandem::conformance
