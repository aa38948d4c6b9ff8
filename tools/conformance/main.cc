// tandem-conformance [--stage import|run] [--device cpu|gpu] [--expected_failures FILE] DIR...
//
// Walks ONNX backend-test folders and checks every case; prints one line per failure and closes
// with "N passed, N failed, N skipped". With --expected_failures, exits non-zero when a case not
// on the list fails or a listed case passes; without it, when any case fails. --device gpu on a
// machine (or build) without a usable GPU prints why and exits with 77 (skipped).
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "executors/device_registry.h"
#include "tools/conformance/conformance.h"

ABSL_FLAG(std::string, stage, "import", "what a case must do to pass: import | run");
ABSL_FLAG(std::string, device, "cpu", "device for --stage run: cpu | gpu");
ABSL_FLAG(std::string, expected_failures, "", "file listing cases expected to fail, with reasons");
ABSL_FLAG(bool, quiet, false, "print only unexpected results and the summary");
ABSL_FLAG(std::string, filter, "", "only cases whose id contains this text");
ABSL_FLAG(int, threads, 1, "kernel threads for --stage run");
ABSL_FLAG(bool, gpu_unsupported_fails, false,
          "--device gpu: count cases with a node the GPU cannot run as failures (default: skipped)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tandem-conformance [--stage import|run] [--device cpu|gpu] [--expected_failures FILE] DIR...");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> roots(args.begin() + 1, args.end());
  if (roots.empty()) {
    std::cerr << "tandem-conformance: give at least one test folder, e.g. "
                 "/usr/share/libonnx-testdata/data/node\n";
    return 2;
  }
  namespace tc = tandem::conformance;
  std::unique_ptr<tc::CaseChecker> checker;
  std::string stage = absl::GetFlag(FLAGS_stage);
  if (stage == "import") {
    checker = tc::MakeImportChecker();
  } else if (stage == "run" && absl::GetFlag(FLAGS_device) == "cpu") {
    checker = tc::MakeCpuRunChecker(absl::GetFlag(FLAGS_threads));
  } else if (stage == "run" && absl::GetFlag(FLAGS_device) == "gpu") {
    // No GPU (or no CUDA in this build) is a skip, not a failure: exit 77, ctest's
    // SKIP_RETURN_CODE, after saying why on one line.
    std::vector<std::string> notes;
    bool have_gpu = false;
    for (const auto& d : tandem::executors::ListDevices(&notes)) have_gpu = have_gpu || d.kind == "cuda";
    if (!have_gpu) {
      std::cout << "tandem-conformance: skipped --device gpu: "
                << (notes.empty() ? std::string("no GPU") : notes.front()) << "\n";
      return 77;
    }
    checker = tc::MakeGpuRunChecker(absl::GetFlag(FLAGS_gpu_unsupported_fails));
  } else if (stage == "run") {
    std::cerr << "tandem-conformance: unknown --device '" << absl::GetFlag(FLAGS_device) << "' (cpu | gpu)\n";
    return 2;
  } else {
    std::cerr << "tandem-conformance: unknown --stage '" << stage << "' (import | run)\n";
    return 2;
  }
  auto cases = tc::DiscoverCases(roots);
  if (!cases.ok()) {
    std::cerr << "tandem-conformance: " << cases.status().message() << "\n";
    return 2;
  }
  if (!absl::GetFlag(FLAGS_filter).empty()) {
    std::vector<tc::Case> kept;
    for (auto& c : *cases) {
      if (c.id.find(absl::GetFlag(FLAGS_filter)) != std::string::npos) kept.push_back(c);
    }
    *cases = std::move(kept);
  }
  tc::ExpectedFailures expected;
  bool have_list = !absl::GetFlag(FLAGS_expected_failures).empty();
  if (have_list) {
    auto loaded = tc::LoadExpectedFailures(absl::GetFlag(FLAGS_expected_failures));
    if (!loaded.ok()) {
      std::cerr << "tandem-conformance: " << loaded.status().message() << "\n";
      return 2;
    }
    expected = *std::move(loaded);
  }
  bool quiet = absl::GetFlag(FLAGS_quiet);
  tc::Summary s = tc::RunSuite(*cases, *checker, expected, [&](const std::string& line) {
    if (!quiet || line.rfind("XFAIL", 0) != 0) std::cout << line << "\n";
  });
  std::cout << "stage " << stage << ": " << s.expected_failures << " expected failures, "
            << s.unexpected_failures.size() << " unexpected failures, " << s.unexpected_passes.size()
            << " unexpected passes\n";
  std::cout << s.passed << " passed, " << s.failed << " failed, " << s.skipped << " skipped\n";
  if (have_list) return s.unexpected_failures.empty() && s.unexpected_passes.empty() ? 0 : 1;
  return s.failed == 0 ? 0 : 1;
}
