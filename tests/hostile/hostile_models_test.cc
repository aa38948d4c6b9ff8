// The hostile-model suite (issue 7): every model that tests/hostile/make_hostile_models.py writes
// must be refused through the public API (tandem::Session) with the status code and the message
// its manifest names: never a crash, a hang or a model accepted silently. The `hostile` ctest
// fixture writes the suite into TANDEM_BINARY_DIR/hostile (the build writes it too, so that test
// discovery lists one test per case).
//
// The control models the cases are mutated from must load and run, so that each case fails for
// its own defect and not for something all of them share.
#include <cctype>
#include <fstream>
#include <ostream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tandem/session.h"

namespace tandem {
namespace {

constexpr int kMinCases = 30;

std::string SuiteDir() { return std::string(TANDEM_BINARY_DIR) + "/hostile"; }

struct InputSpec {
  std::string name;
  std::string dtype;  // "f32", "i64", "bool"
  std::vector<int64_t> shape;
};

struct HostileCase {
  std::string name;
  std::string model;  // relative to SuiteDir()
  std::string stage;  // "load" | "run"
  std::string code;   // "InvalidArgument", "NotFound", ... (absl::StatusCode without the k)
  std::vector<std::string> message;  // every one must appear in the error
  std::vector<InputSpec> inputs;
};

// gtest prints the case by name rather than as bytes.
void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

// The entries of SuiteDir()/`file`; empty when it is missing (ManifestListsEnoughCases says so).
std::vector<HostileCase> ReadList(const std::string& file) {
  std::ifstream in(SuiteDir() + "/" + file);
  if (!in) return {};
  nlohmann::json list = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  std::vector<HostileCase> cases;
  if (!list.is_array()) return cases;
  for (const nlohmann::json& e : list) {
    HostileCase c;
    c.name = e.value("name", "");
    c.model = e.value("model", "");
    c.stage = e.value("stage", "run");
    c.code = e.value("code", "Ok");
    const nlohmann::json message = e.value("message", nlohmann::json());
    if (message.is_string()) c.message.push_back(message);
    if (message.is_array()) {
      for (const nlohmann::json& part : message) c.message.push_back(part.get<std::string>());
    }
    for (const nlohmann::json& i : e.value("inputs", nlohmann::json::array())) {
      c.inputs.push_back({i.value("name", ""), i.value("dtype", ""),
                          i.value("shape", std::vector<int64_t>{})});
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// "InvalidArgument" for absl::StatusCode::kInvalidArgument, as the manifest names codes.
std::string CodeName(absl::StatusCode code) {
  std::string name;
  bool upper = true;
  for (char ch : absl::StatusCodeToString(code)) {
    if (ch == '_') {
      upper = true;
      continue;
    }
    name += upper ? ch : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    upper = false;
  }
  return name;
}

StatusOr<DType> ParseDType(const std::string& name) {
  static const std::map<std::string, DType> kDTypes = {
      {"f32", DType::kFloat32}, {"i64", DType::kInt64}, {"bool", DType::kBool}};
  auto it = kDTypes.find(name);
  if (it == kDTypes.end()) return absl::InvalidArgumentError("manifest: unknown dtype " + name);
  return it->second;
}

// Zero-filled tensors as the case lists them.
StatusOr<std::map<std::string, Tensor>> MakeInputs(const std::vector<InputSpec>& specs) {
  std::map<std::string, Tensor> inputs;
  for (const InputSpec& spec : specs) {
    StatusOr<DType> dtype = ParseDType(spec.dtype);
    if (!dtype.ok()) return dtype.status();
    StatusOr<Tensor> t = Tensor::Allocate(*dtype, spec.shape);
    if (!t.ok()) return t.status();
    inputs[spec.name] = *std::move(t);
  }
  return inputs;
}

// Sessions run on the CPU, the device every machine has.
SessionOptions CpuOnly() {
  SessionOptions options;
  options.gpu_memory = "0";
  return options;
}

// The status of loading the case's model and, for a "run" case, of running it.
Status Outcome(const HostileCase& c) {
  StatusOr<std::unique_ptr<Session>> session = Session::Create(SuiteDir() + "/" + c.model, CpuOnly());
  if (!session.ok() || c.stage == "load") return session.status();
  StatusOr<std::map<std::string, Tensor>> inputs = MakeInputs(c.inputs);
  if (!inputs.ok()) return inputs.status();
  return (*session)->Run(*inputs).status();
}

TEST(HostileModels, ManifestListsEnoughCases) {
  const std::vector<HostileCase> cases = ReadList("manifest.json");
  EXPECT_GE(cases.size(), kMinCases)
      << "run tests/hostile/make_hostile_models.py --out " << SuiteDir()
      << " (the `hostile` ctest fixture does)";
  for (const HostileCase& c : cases) {
    EXPECT_TRUE(c.stage == "load" || c.stage == "run") << c.name << ": stage " << c.stage;
    EXPECT_FALSE(c.message.empty()) << c.name << " names no message";
    EXPECT_NE(c.code, "Ok") << c.name;
  }
}

TEST(HostileModels, ControlModelsLoadAndRun) {
  const std::vector<HostileCase> controls = ReadList("controls.json");
  ASSERT_FALSE(controls.empty()) << "no " << SuiteDir() << "/controls.json";
  for (const HostileCase& c : controls) {
    EXPECT_TRUE(Outcome(c).ok()) << c.name << ": " << Outcome(c);
  }
}

class HostileModel : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileModel, IsRefusedClearly) {
  const HostileCase& c = GetParam();
  const Status s = Outcome(c);
  ASSERT_FALSE(s.ok()) << c.name << ": " << c.model << " was accepted at stage " << c.stage;
  EXPECT_EQ(CodeName(s.code()), c.code) << s;
  for (const std::string& part : c.message) {
    EXPECT_NE(std::string(s.message()).find(part), std::string::npos)
        << "expected the message to contain \"" << part << "\"; got " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(Manifest, HostileModel, ::testing::ValuesIn(ReadList("manifest.json")),
                         [](const ::testing::TestParamInfo<HostileCase>& info) {
                           return info.param.name;
                         });
// An empty list when the suite has not been written: ManifestListsEnoughCases reports that.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(HostileModel);

}  // namespace
}  // namespace tandem
