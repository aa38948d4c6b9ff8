#include "tools/conformance/conformance.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace tandem::conformance {

namespace fs = std::filesystem;

absl::StatusOr<std::vector<Case>> DiscoverCases(const std::vector<std::string>& roots) {
  std::vector<Case> cases;
  for (const std::string& root : roots) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
      return absl::NotFoundError(absl::StrCat("'", root, "' is not a folder"));
    }
    std::string folder = fs::path(root).lexically_normal().filename().string();
    if (folder.empty()) folder = fs::path(root).lexically_normal().parent_path().filename().string();
    if (fs::exists(fs::path(root) / "model.onnx")) {  // a single case given directly
      cases.push_back({absl::StrCat(fs::path(root).parent_path().filename().string(), "/", folder), root});
      continue;
    }
    for (const auto& entry : fs::directory_iterator(root, ec)) {
      if (entry.is_directory() && fs::exists(entry.path() / "model.onnx")) {
        cases.push_back({absl::StrCat(folder, "/", entry.path().filename().string()),
                         entry.path().string()});
      }
    }
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.id < b.id; });
  return cases;
}

absl::StatusOr<ExpectedFailures> LoadExpectedFailures(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read expected failures '", path, "'"));
  ExpectedFailures out;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    size_t space = text.find_first_of(" \t");
    if (space == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": '", text, "' has no reason; write '<case> <reason>'"));
    }
    std::string id(text.substr(0, space));
    std::string reason(absl::StripAsciiWhitespace(text.substr(space)));
    if (!out.reasons.emplace(id, reason).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": '", id, "' listed twice"));
    }
  }
  return out;
}

Summary RunSuite(const std::vector<Case>& cases, CaseChecker& checker,
                 const ExpectedFailures& expected,
                 const std::function<void(const std::string&)>& log) {
  Summary s;
  for (const Case& c : cases) {
    Outcome o = checker.Check(c);
    bool listed = expected.reasons.count(c.id) > 0;
    switch (o.verdict) {
      case Verdict::kPass:
        ++s.passed;
        if (listed) {
          s.unexpected_passes.push_back(c.id);
          log(absl::StrCat("UNEXPECTED PASS ", c.id, " (listed as: ", expected.reasons.at(c.id), ")"));
        }
        break;
      case Verdict::kSkip:
        ++s.skipped;
        log(absl::StrCat("SKIP ", c.id, ": ", o.reason));
        break;
      case Verdict::kFail:
        ++s.failed;
        if (listed) {
          ++s.expected_failures;
          log(absl::StrCat("XFAIL ", c.id, ": ", o.reason));
        } else {
          s.unexpected_failures.push_back(absl::StrCat(c.id, ": ", o.reason));
          log(absl::StrCat("FAIL ", c.id, ": ", o.reason));
        }
        break;
    }
  }
  return s;
}

}  // namespace tandem::conformance
