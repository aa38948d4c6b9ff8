#include "tools/run/partitioned_run.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "importer/tensor_proto.h"
#include "tools/conformance/tolerance.h"
#include "nlohmann/json.hpp"
#include "tandem/session.h"

namespace tandem::tools {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

// Shares the bytes both ways: no copy in, no copy out.
StatusOr<Tensor> ToApi(const ir::Tensor& t) {
  auto keep = std::make_shared<ir::TensorData>(t.data);
  return Tensor::Wrap(static_cast<DType>(t.dtype), t.dims, keep, keep->data(), keep->size(), false);
}

ir::Tensor FromApi(const Tensor& t) {
  return ir::Tensor{static_cast<ir::DType>(t.dtype()), t.shape(),
                    ir::TensorData::Borrowed(t.keep_alive(), static_cast<const uint8_t*>(t.data()),
                                             t.byte_size()),
                    {}};
}

}  // namespace

int RunPartitioned(const PartitionedRunArgs& args, std::ostream& out, std::ostream& err) {
  SessionOptions options;
  options.profile = args.profile;
  options.gpu_memory = args.gpu_mem;
  options.cpu_memory = args.cpu_mem;
  options.strategy = args.strategy;
  options.strict = args.strict;
  options.threads = args.threads;
  if (!args.plan_path.empty()) {
    std::ifstream f(args.plan_path);
    std::stringstream text;
    text << f.rdbuf();
    if (!f) {
      err << "tandem-run: cannot read --plan " << args.plan_path << "\n";
      return 2;
    }
    options.plan_text = text.str();
  }
  auto session = Session::Create(args.model_path, options);
  if (!session.ok()) {
    err << "tandem-run: " << session.status().message() << "\n";
    if (session.status().code() == absl::StatusCode::kFailedPrecondition) return 3;
    return session.status().code() == absl::StatusCode::kInvalidArgument &&
                   std::string(session.status().message()).find("model") == std::string::npos
               ? 2
               : 1;
  }
  for (const std::string& w : (*session)->warnings()) err << "tandem-run: " << w << "\n";
  std::map<std::string, Tensor> inputs;
  const auto& specs = (*session)->inputs();
  for (size_t i = 0; i < specs.size() && i < args.inputs.size(); ++i) {
    auto t = ToApi(args.inputs[i]);
    if (!t.ok()) {
      err << "tandem-run: input '" << specs[i].name << "': " << t.status().message() << "\n";
      return 1;
    }
    inputs[specs[i].name] = *std::move(t);
  }

  StatusOr<std::map<std::string, Tensor>> outputs;
  for (int w = 0; w < args.warmup; ++w) {
    outputs = (*session)->Run(inputs);
    if (!outputs.ok()) break;
  }
  std::vector<double> times;
  std::vector<std::vector<double>> step_times;
  RunStats stats;
  for (int it = 0; it < std::max(1, args.iters) && (outputs.ok() || args.warmup == 0); ++it) {
    auto start = std::chrono::steady_clock::now();
    outputs = (*session)->Run(inputs, &stats);
    auto end = std::chrono::steady_clock::now();
    if (!outputs.ok()) break;
    times.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    step_times.resize(stats.steps.size());
    for (size_t s = 0; s < stats.steps.size(); ++s) step_times[s].push_back(stats.steps[s].measured_ms);
  }
  if (!outputs.ok()) {
    err << "tandem-run: " << outputs.status().message() << "\n";
    return 1;
  }
  std::vector<std::string> names;
  std::vector<ir::Tensor> results;
  for (const TensorSpec& spec : (*session)->outputs()) {
    names.push_back(spec.name);
    results.push_back(FromApi(outputs->at(spec.name)));
  }
  if (!args.outputs_dir.empty()) {
    std::filesystem::create_directories(args.outputs_dir);
    for (size_t i = 0; i < results.size(); ++i) {
      std::ofstream f(std::filesystem::path(args.outputs_dir) / absl::StrCat("output_", i, ".pb"),
                      std::ios::binary);
      f << importer::SerializeTensor(names[i], results[i]);
    }
  }
  bool passed = true;
  nlohmann::json errors = nlohmann::json::array();
  for (size_t i = 0; i < results.size() && !args.expected_dir.empty(); ++i) {
    auto want = importer::ParseTensorFile(
        (std::filesystem::path(args.expected_dir) / absl::StrCat("output_", i, ".pb")).string());
    if (!want.ok()) {
      err << "tandem-run: " << want.status().message() << "\n";
      return 1;
    }
    auto tol = conformance::DefaultTolerance(want->tensor.dtype);
    if (args.rtol >= 0) tol.rtol = args.rtol;
    if (args.atol >= 0) tol.atol = args.atol;
    auto cmp = conformance::CompareTensors(results[i], want->tensor, tol);
    passed = passed && cmp.ok;
    out << absl::StrFormat("output %-20s max abs error %.3g, max rel error %.3g  %s%s\n", names[i],
                           cmp.max_abs_error, cmp.max_rel_error, cmp.ok ? "ok" : "MISMATCH ",
                           cmp.first_mismatch);
    errors.push_back({{"output", names[i]}, {"max_abs_error", cmp.max_abs_error},
                      {"max_rel_error", cmp.max_rel_error}, {"ok", cmp.ok}});
  }

  std::string devices;
  for (const std::string& d : (*session)->devices()) devices += (devices.empty() ? "" : ", ") + d;
  const double median = Median(times), min = *std::min_element(times.begin(), times.end());
  const double p90 = Percentile(times, 0.9);
  nlohmann::json steps = nlohmann::json::array();
  for (size_t s = 0; s < stats.steps.size(); ++s) {
    const StepStats& st = stats.steps[s];
    steps.push_back({{"kind", st.kind}, {"name", st.name}, {"device", st.device}, {"bytes", st.bytes},
                     {"predicted_ms", st.predicted_ms}, {"measured_ms", Median(step_times[s])}});
  }
  if (!args.json) {
    out << absl::StrFormat(
        "%s partitioned (strategy %s, profile %s) on %s: median %.3f ms, min %.3f ms, p90 %.3f ms "
        "over %d runs; the plan predicts %.3f ms\n",
        args.model_path, args.plan_path.empty() ? args.strategy : "from " + args.plan_path,
        args.profile, devices, median, min, p90, static_cast<int>(times.size()), stats.predicted_ms);
    out << absl::StrFormat("  %-9s %-34s %-28s %12s %12s %12s\n", "step", "name", "device",
                           "bytes", "predicted ms", "measured ms");
    for (const auto& st : steps) {
      out << absl::StrFormat("  %-9s %-34s %-28s %12d %12.4f %12.4f\n", st["kind"].get<std::string>(),
                             st["name"].get<std::string>(), st["device"].get<std::string>(),
                             st["bytes"].get<int64_t>(), st["predicted_ms"].get<double>(),
                             st["measured_ms"].get<double>());
    }
  }
  nlohmann::json j = {{"model", args.model_path}, {"mode", "partitioned"},
                      {"strategy", args.plan_path.empty() ? args.strategy : "plan"},
                      {"profile", args.profile},  {"devices", (*session)->devices()},
                      {"warnings", (*session)->warnings()}, {"iters", times.size()},
                      {"median_ms", median},      {"min_ms", min}, {"p90_ms", p90},
                      {"predicted_ms", stats.predicted_ms}};
  if (args.json) j["steps"] = steps;
  if (!args.expected_dir.empty()) {
    j["outputs"] = errors;
    j["passed"] = passed;
  }
  out << j.dump() << "\n";
  if (!args.expected_dir.empty()) out << (passed ? "PASSED" : "FAILED") << "\n";
  return passed ? 0 : 1;
}

}  // namespace tandem::tools
