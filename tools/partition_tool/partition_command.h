// The partition subcommand of partition-tool, as a function so that tests can run it:
// import → profile and budgets → partition → baselines, explanations, sweep → report.
#ifndef TANDEM_TOOLS_PARTITION_TOOL_PARTITION_COMMAND_H_
#define TANDEM_TOOLS_PARTITION_TOOL_PARTITION_COMMAND_H_

#include <ostream>
#include <string>

namespace tandem::tools {

struct PartitionArgs {
  std::string command_line;          // echoed at the top of the report
  std::string model_path;
  std::string profile = "laptop-6gb";  // built-in name or JSON file
  std::string gpu_mem;               // "" keeps the profile's budget
  std::string cpu_mem;
  std::string strategy = "optimal";  // optimal | greedy | gpu | cpu
  std::string format = "text";       // text | json | plan | dot | html (html implies the sweep)
  std::string out_path;              // "" writes to `out`
  bool sweep = false;
  bool strict = false;
  // Measure node times on this machine (calibrate.h) and plan with them; the table is written to
  // `cost_table` when that is set.
  bool calibrate = false;
  // Without `calibrate`: plan with the times of this cost table file (cost_table.h).
  std::string cost_table;
  int threads = 1;         // CPU executor threads for --calibrate
  int calibrate_runs = 10;  // timed runs for --calibrate
};

// Exit status.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;   // the model does not import, or no placement fits
inline constexpr int kExitUsage = 2;    // bad flag value
inline constexpr int kExitStrict = 3;   // --strict and some node cannot run where it prefers

// Runs the subcommand; the report goes to `out` (or --out), errors to `err`.
int RunPartition(const PartitionArgs& args, std::ostream& out, std::ostream& err);

}  // namespace tandem::tools

#endif  // TANDEM_TOOLS_PARTITION_TOOL_PARTITION_COMMAND_H_
