// The files of a run in a folder: what `terrasim run --out` and
// `python3 -m terrasim run --out` write (one implementation for both).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace terrasim::sim {

class Simulation;

// Writes the outputs of `s` into `folder` (made if missing) as one set
// (AtomicFileSet: a file that cannot be written leaves every earlier output
// as it was): series.csv and one CSV per breakdown, or run.json for format
// "json"; config.json, the configuration the run started from; and, for a
// run reconfigured on the way, changes.json, every change with its month.
// The folder holds one run's files: an earlier run's outputs that this one
// did not write (another format, model or history) are then removed, and
// their names returned; other files stay. Throws std::invalid_argument for
// a format other than "csv" or "json", std::runtime_error or
// std::filesystem::filesystem_error when the files cannot be written.
std::vector<std::string> write_run_outputs(const Simulation& s, const std::string& folder, std::string_view format);

// Whether `file` (a folder's entry) holds a terrasim output: one of the
// names a run writes, or a CSV file that starts with a run's provenance.
bool is_run_output(const std::filesystem::path& file);

}  // namespace terrasim::sim
