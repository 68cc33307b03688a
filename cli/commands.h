// The subcommands of the `terrasim` program, callable from tests.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace terrasim::cli {

// Exit codes: 0 success; 1 a failure of the machine (cannot write a file);
// 2 bad input (a scenario, a checkpoint, the command line).
inline constexpr int kOk = 0;
inline constexpr int kFailure = 1;
inline constexpr int kBadInput = 2;

enum class Progress { Auto, Always, Never };

struct RunRequest {
  std::string scenario;        // file, for `run`; checkpoint, for `resume`
  std::vector<std::string> overrides;
  std::optional<std::string> seed;    // as typed: the scenario's checks judge it (seed=..., months=...)
  std::optional<std::string> months;
  int threads = 0;
  std::string out_dir;         // empty: the series as CSV on standard output
  std::string format = "csv";  // csv | json
  bool profile = false;
  Progress progress = Progress::Auto;
  std::optional<std::pair<int, std::string>> checkpoint_at;  // month, file
};

int run_command(const RunRequest& r, std::ostream& out, std::ostream& err);
int resume_command(const RunRequest& r, std::ostream& out, std::ostream& err);
int check_command(const std::string& scenario, const std::vector<std::string>& overrides, bool print, std::ostream& out,
                  std::ostream& err);
int schema_command(const std::string& model, const std::string& format, std::ostream& out, std::ostream& err);
int models_command(std::ostream& out);

}  // namespace terrasim::cli
