// The ONNX backend-test conformance harness behind `tandem-conformance`.
//
// A case is a folder with model.onnx and test_data_set_*/{input,output}_<i>.pb. A stage decides
// what "pass" means: `import` checks that the model imports and that the dtype and shape inferred
// for every graph output agree with the expected output tensors; `run` (added with the executors)
// runs the model on a device and compares values. Each device is one more CaseChecker, so the
// same suite and the same expected-failure mechanism serve every backend.
#ifndef TANDEM_TOOLS_CONFORMANCE_CONFORMANCE_H_
#define TANDEM_TOOLS_CONFORMANCE_CONFORMANCE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tandem::conformance {

struct Case {
  std::string id;    // "<folder name>/<case name>", e.g. "node/test_abs"
  std::string dir;   // path of the case folder
};

// Finds cases (folders holding model.onnx) directly under each of `roots`, sorted by id.
absl::StatusOr<std::vector<Case>> DiscoverCases(const std::vector<std::string>& roots);

enum class Verdict { kPass, kFail, kSkip };
struct Outcome {
  Verdict verdict = Verdict::kPass;
  std::string reason;  // why it failed or was skipped
};

// Checks one case for one stage and device.
class CaseChecker {
 public:
  virtual ~CaseChecker() = default;
  virtual Outcome Check(const Case& c) = 0;
};

// The `import` stage (device-independent).
std::unique_ptr<CaseChecker> MakeImportChecker();
// The `run` stage on the CPU executor with `threads` threads.
std::unique_ptr<CaseChecker> MakeCpuRunChecker(int threads);
// The `run` stage on GPU 0 (gpu_run_checker.cc). Cases with a node the GPU cannot run are
// skipped with the reason, or fail when `unsupported_fails`. The caller checks that a GPU exists.
std::unique_ptr<CaseChecker> MakeGpuRunChecker(bool unsupported_fails);

// Expected failures: one case id per line, then whitespace and the reason; '#' starts a comment.
struct ExpectedFailures {
  std::map<std::string, std::string> reasons;  // id → reason
};
absl::StatusOr<ExpectedFailures> LoadExpectedFailures(const std::string& path);

struct Summary {
  int passed = 0, failed = 0, skipped = 0;
  int expected_failures = 0;                 // failed and listed
  std::vector<std::string> unexpected_failures;  // failed, not listed: "<id>: <reason>"
  std::vector<std::string> unexpected_passes;    // listed but passed
};

// Runs `checker` over `cases`, printing one line per failure (with the reason) to `log`.
Summary RunSuite(const std::vector<Case>& cases, CaseChecker& checker,
                 const ExpectedFailures& expected, const std::function<void(const std::string&)>& log);

}  // namespace tandem::conformance

#endif  // TANDEM_TOOLS_CONFORMANCE_CONFORMANCE_H_
