// The files of a run in a folder: what `terrasim run --out` and
// `python3 -m terrasim run --out` write (one implementation for both).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace terrasim::sim {

class Simulation;

// Writes the outputs of `s` into `folder` (made if missing; the folders made
// are removed again when the files cannot be written) as one set
// (AtomicFileSet: a file that cannot be written leaves every earlier output
// as it was): series.csv and one CSV per breakdown, or run.json for format
// "json"; config.json, the configuration the run started from; and, for a
// run reconfigured on the way, changes.json, every change with its month.
// The folder holds one run's files: an earlier run's outputs that this one
// did not write (another format, model or history) are then removed, and
// their names returned. Only a name some run writes is removed (series.csv,
// run.json, config.json, changes.json, a breakdown of a registered model's
// ModelInfo::breakdowns), and only with a run's content; other files stay,
// a run's series saved under another name too. One writer at a time: a
// second process writing into the same folder waits (flock on the folder)
// until the first is done, then replaces its files. A file of the folder that the run
// would write over and that is not a terrasim output (is_run_output) is
// refused before anything is written. Throws std::invalid_argument for a
// format other than "csv" or "json", std::logic_error for a simulation
// whose month failed (Simulation::failed), std::runtime_error or
// std::filesystem::filesystem_error when the files cannot be written.
std::vector<std::string> write_run_outputs(const Simulation& s, const std::string& folder, std::string_view format);

// The names of the files a run of `s` writes in `format` (series.csv and a
// CSV per breakdown, or run.json; config.json; changes.json for a run
// reconfigured on the way).
std::vector<std::string> run_output_names(const Simulation& s, std::string_view format);

// Why the outputs of `s` could not be written into `folder` now, or "" if
// they can: the path is not a folder, or a missing one cannot be made (its
// nearest existing parent is no folder, or cannot be written in), the folder
// cannot be written in, or a file there that the run would write over is
// not a terrasim output (or not a regular file). Asked before a run, so
// that its result is not lost to a folder found wrong afterwards.
std::string output_folder_problem(const Simulation& s, const std::string& folder, std::string_view format);

// The folders of `path` (itself included) that do not exist now, outermost
// first: what making it would make.
std::vector<std::filesystem::path> missing_folders(const std::filesystem::path& path);

// Removes `folders` (outermost first, as missing_folders lists them),
// innermost first, while each is empty: what a run that failed made for its
// outputs, taken back.
void remove_empty_folders(const std::vector<std::filesystem::path>& folders) noexcept;

// Why a checkpoint could not be written at `file` now, or "" if it could:
// no file name, no folder to write it in, a folder that cannot be written
// in (probed with the checkpoint's own temporary, so a name too long for it
// is found here), a folder at that path, or a file there that is not a terrasim
// checkpoint (the scenario being run, a result), which it would replace.
std::string checkpoint_path_problem(const std::string& file);

// Whether a file can be created in `dir` now: a temporary one made and
// removed (the folder's mode, a read-only file system, /proc: what writing
// would meet). "" if so, else why not.
std::string cannot_write_in(const std::filesystem::path& dir);

// Whether `file` (a folder's entry) holds a terrasim output, by its content:
// a CSV file (series.csv, a breakdown) that starts with a run's provenance,
// a run.json whose first field is the provenance, or a config.json or
// changes.json beside such a series. A file of another program with one of
// these names is not.
bool is_run_output(const std::filesystem::path& file);

}  // namespace terrasim::sim
