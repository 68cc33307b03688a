// terrasim: the command-line program. Parses arguments, dispatches.
// Subcommands implemented in Python (sweep, forecast...) are handed to
// `/usr/bin/python3 -m terrasim`, with the build tree's package on PYTHONPATH.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/printable_stream.h"
#include "sim/core/huge_pages.h"
#include "sim/core/simulation.h"

namespace {

// Replaces this process by `/usr/bin/python3 -m terrasim ARGS...`; returns
// only if that fails. The package is looked for beside the program's build
// folder (<build>/cli/terrasim -> <build>/python).
int hand_to_python(int argc, char** argv) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::string python_dir = (exe.parent_path().parent_path() / "python").string();
    const char* old = std::getenv("PYTHONPATH");
    const std::string path = old && *old ? python_dir + ":" + old : python_dir;
    ::setenv("PYTHONPATH", path.c_str(), 1);
  }
  std::vector<char*> args{const_cast<char*>("/usr/bin/python3"), const_cast<char*>("-m"),
                          const_cast<char*>("terrasim")};
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  std::cerr << "terrasim: " << argv[1] << ": cannot start /usr/bin/python3: " << std::strerror(errno) << "\n";
  return terrasim::cli::kFailure;
}

// The subcommands this program implements (the others are Python's), and
// whether each simulates: its heap then goes into huge pages
// (sim/core/huge_pages.h). The others allocate little, and took a huge
// page's first touch all the same: `terrasim --version`, 100 runs, 1.66 ms
// at the median and 4.7 at most before, 1.62 and 1.8 without.
struct Command {
  std::string_view name;
  bool simulates;
};
constexpr Command kCommands[] = {
    {"run", true}, {"resume", true}, {"check", false}, {"schema", false}, {"models", false}};

const Command* command_named(std::string_view name) {
  for (const Command& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace terrasim::cli;
  const std::string_view first = argc > 1 ? argv[1] : "";
  const Command* command = command_named(first);
  // Options (--help, --version, typos) are CLI11's.
  if (argc > 1 && command == nullptr && !first.starts_with("-")) return hand_to_python(argc, argv);
  if (command != nullptr && command->simulates) terrasim::sim::heap_in_huge_pages();
  // What this program writes is UTF-8 text, a file name that is not UTF-8 included ("sc\xe9.yaml").
  PrintableStream printable_out(std::cout), printable_err(std::cerr);
  CLI::App app{"terrasim: an agent-based territorial economic simulator", "terrasim"};
  app.set_version_flag("--version", std::string("terrasim ") + terrasim::sim::kVersion);
  app.require_subcommand(1);
  app.footer(
      "More subcommands, run by the Python package (python3 -m terrasim):\n"
      "  sweep     Monte Carlo sweeps into a resumable SQLite database (terrasim sweep --help)\n"
      "  results   fan quantiles, paired differences, probabilities from a sweep database\n"
      "  forecast  the council report: scenarios compared over paired replicates (terrasim forecast --help)");

  RunRequest run;
  std::string progress = "auto";
  std::vector<std::string> checkpoint_at;
  std::vector<CLI::Option*> out_options;
  // How --set's path picks a list's item, in each subcommand's help.
  const std::string set_items =
      "; a list's item by name (zones.Centre.x_km) or index (zones[0].x_km): a dotted segment is the item of that "
      "name, or, digits naming none, the item at that index";
  auto add_run_options = [&](CLI::App* sub, bool with_scenario_options) {
    if (with_scenario_options) {
      sub->add_option("--seed", run.seed, "random seed (overrides the scenario's)");
      sub->add_option("--months", run.months, "months to simulate (overrides the scenario's)");
      sub->add_option("--set", run.overrides, "override a field: path=value (repeatable)" + set_items)->take_all();
    }
    sub->add_option("--threads", run.threads, "threads (0: every core); the output does not depend on it")
        ->check(CLI::Range(0, 1024));
    out_options.push_back(
        sub->add_option("--out", run.out_dir, "folder for the output files (default: series as CSV on stdout)"));
    sub->add_option("--format", run.format, "output format")->check(CLI::IsMember({"csv", "json"}));
    sub->add_flag("--profile", run.profile, "print the time spent in each phase on stderr");
    sub->add_option("--progress", progress, "progress line on stderr: auto (when stderr is a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    sub->add_option("--checkpoint-at", checkpoint_at, "save the state after MONTH months to FILE")
        ->expected(2)
        ->type_name("MONTH FILE");
  };

  auto* run_cmd = app.add_subcommand("run", "run a scenario");
  run_cmd->add_option("scenario", run.scenario, "scenario file (YAML)")->required();
  add_run_options(run_cmd, true);

  auto* resume_cmd = app.add_subcommand(
      "resume", "continue a run from a checkpoint, with changes from here on (--set, --months) if given");
  resume_cmd->add_option("checkpoint", run.scenario, "checkpoint file")->required();
  resume_cmd->add_option("--months", run.months, "months to simulate in all (at least those already simulated)");
  resume_cmd->add_option("--set", run.overrides,
                         "change a field from the checkpoint's month on: path=value (repeatable); the series "
                         "before stay as they were" + set_items)
      ->take_all();
  add_run_options(resume_cmd, false);

  std::string check_file;
  std::vector<std::string> check_overrides;
  bool check_print = false;
  auto* check_cmd = app.add_subcommand("check", "check a scenario without running it");
  check_cmd->add_option("scenario", check_file, "scenario file (YAML)")->required();
  check_cmd->add_option("--set", check_overrides, "override a field: path=value (repeatable)" + set_items)->take_all();
  check_cmd->add_flag("--print", check_print, "print the complete configuration (defaults filled in) as JSON");

  std::string schema_model, schema_format = "json";
  auto* schema_cmd = app.add_subcommand("schema", "print the scenario format: JSON Schema or Markdown reference");
  schema_cmd->add_option("model", schema_model, "one model (default: every model)");
  schema_cmd->add_option("--format", schema_format, "json or markdown")->check(CLI::IsMember({"json", "markdown"}));

  auto* models_cmd = app.add_subcommand("models", "list the models");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kOk : kBadInput;
  }

  run.progress = progress == "always" ? Progress::Always : progress == "never" ? Progress::Never : Progress::Auto;
  for (const CLI::Option* out : out_options) {
    if (out->count() > 0 && run.out_dir.empty()) {  // not standard output, as no --out would be
      std::cerr << "terrasim: --out: expected a folder, found an empty name\n";
      return kBadInput;
    }
  }
  if (!checkpoint_at.empty()) {
    try {
      // Digits only: std::stoi also takes "+2", " 2" and "-0" (a month is 0 or more).
      const std::string& text = checkpoint_at[0];
      if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument("not a number");
      const int month = std::stoi(text);
      run.checkpoint_at = std::make_pair(month, checkpoint_at[1]);
    } catch (const std::out_of_range&) {
      std::cerr << "terrasim: --checkpoint-at: month " << checkpoint_at[0] << " is far beyond any run's months\n";
      return kBadInput;
    } catch (const std::exception&) {
      std::cerr << "terrasim: --checkpoint-at: expected a month number (0 or more), found '" << checkpoint_at[0] << "'\n";
      return kBadInput;
    }
  }

  int code = kBadInput;
  if (*run_cmd) code = run_command(run, std::cout, std::cerr);
  if (*resume_cmd) code = resume_command(run, std::cout, std::cerr);
  if (*check_cmd) code = check_command(check_file, check_overrides, check_print, std::cout, std::cerr);
  if (*schema_cmd) code = schema_command(schema_model, schema_format, std::cout, std::cerr);
  if (*models_cmd) code = models_command(std::cout);
  // What was written to standard output must have reached it (a full disk,
  // a closed pipe): otherwise say so, and fail.
  errno = 0;
  printable_out.finish();
  if (!std::cout) {
    std::cerr << "terrasim: cannot write to standard output" << (errno != 0 ? std::string(": ") + std::strerror(errno) : "")
              << "\n";
    return kFailure;
  }
  return code;
}
