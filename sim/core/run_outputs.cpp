// The files of a run in a folder: see run_outputs.h.
#include "sim/core/run_outputs.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <climits>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/checkpoint/archive.h"
#include "sim/core/model.h"
#include "sim/core/simulation.h"
#include "sim/scenario/loader.h"

namespace terrasim::sim {

namespace fs = std::filesystem;

namespace {

// The first `n` bytes of `file` ("" if it is no regular file or cannot be read).
std::string first_bytes(const fs::path& file, std::size_t n) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return {};  // a FIFO would block the read
  std::ifstream in(file, std::ios::binary);
  std::string head(n, '\0');
  in.read(head.data(), static_cast<std::streamsize>(n));
  head.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return head;
}

bool csv_with_provenance(const fs::path& file) { return first_bytes(file, 11) == "# terrasim:"; }

// Recorder::to_json's first field.
bool json_with_provenance(const fs::path& file) {
  constexpr std::string_view start = "{\n  \"provenance\": {\"terrasim\": ";
  return first_bytes(file, start.size()) == start;
}

// A run's output files, in the order they are written: each name with what
// makes its content. The one list of them, for the checks before a run
// (run_output_names) and for the writing (write_run_outputs).
struct OutputFile {
  std::string name;
  std::function<std::string()> content;
};

std::vector<OutputFile> run_output_files(const Simulation& s, std::string_view format) {
  std::vector<OutputFile> files;
  const auto& rec = s.recorder();
  if (format == "json") {
    files.push_back({"run.json", [&s, &rec] { return rec.to_json(s.provenance()); }});
  } else {
    files.push_back({"series.csv", [&s, &rec] { return rec.series_csv(s.provenance()); }});
    for (const auto& b : rec.breakdowns())
      files.push_back({b.name + ".csv", [&s, &rec, &b] { return rec.breakdown_csv(b, s.provenance()); }});
  }
  // The configuration the run started from; a run reconfigured on the way
  // (resume --set) also lists every change, with its month, in changes.json.
  const auto& history = s.config_history();
  files.push_back({"config.json", [&s, &history] {
                     const std::string first =
                         history.size() == 1
                             ? s.scenario().config.to_json(2)
                             : scenario_from_document(
                                   parse_yaml(history.front().config_json, "the run's first configuration"),
                                   history.front().source)
                                   .config.to_json(2);
                     return first + "\n";
                   }});
  if (history.size() > 1)
    files.push_back({"changes.json", [&s, &history] {
                       std::string changes = "[\n";
                       for (std::size_t i = 1; i < history.size(); ++i) {
                         const auto& h = history[i];
                         changes += fmt::format(
                             "  {{\"from_month\": {}, \"from\": \"{}\", \"config_sha256\": \"{}\", \"config\": {}}}{}\n",
                             h.month, month_label(s.scenario().start(), h.month), h.config_sha256, h.config_json,
                             i + 1 < history.size() ? "," : "");
                       }
                       return changes + "]\n";
                     }});
  return files;
}

// Every name a run can write in a folder, whatever its model, format or
// history: what an earlier run may have left there.
std::vector<std::string> output_names_of_any_run(const Simulation& s) {
  std::vector<std::string> names = {"series.csv", "run.json", "config.json", "changes.json"};
  auto add = [&names](const std::string& breakdown) {
    if (std::find(names.begin(), names.end(), breakdown + ".csv") == names.end()) names.push_back(breakdown + ".csv");
  };
  for (const ModelInfo& m : ModelRegistry::global().models())
    for (const std::string& b : m.breakdowns) add(b);
  // A model of another registry (a test's) lists its own.
  for (const std::string& b : s.scenario().model->breakdowns) add(b);
  return names;
}

// An exclusive flock(2) on a folder, held while it lives: waits for another
// holder to let go, saying so on standard error (the wait was silent: a run
// behind a stuck writer seemed to hang; a review). The system releases it
// should its holder die. A folder whose file system cannot lock (ENOLCK,
// NFS's EBADF for a folder), or that can be written but not read (opening
// it needs read permission: a -wx folder, which output_folder_problem
// passes, failed after the whole run; a review), is written without it, as
// before there was a lock.
// The writer it waited for may have failed and removed the folder it had
// made (write_run_outputs): the folder locked is then gone, and the waiter's
// files would have had nowhere to go (a review). It makes the folder again
// and locks that.
class FolderLock {
 public:
  explicit FolderLock(const fs::path& dir) {
    bool said = false;
    for (int attempt = 0;; ++attempt) {
      fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd_ < 0 && errno == ENOENT && attempt < 100) {  // removed before it could be opened: made again
        fs::create_directories(dir);
        continue;
      }
      if (fd_ < 0) {
        if (errno == EACCES) return;
        throw std::runtime_error(fmt::format("cannot write {}: opening the folder to keep other runs from "
                                             "writing there meanwhile: {}",
                                             dir.string(), std::strerror(errno)));
      }
      if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK && !said) {
          fmt::print(stderr, "terrasim: {}: another run is writing its outputs there; waiting until it is done\n",
                     dir.string());
          std::fflush(stderr);
          said = true;
        }
        while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
        }
      }
      struct stat st {};
      if (attempt == 100 || ::fstat(fd_, &st) != 0 || st.st_nlink > 0) return;
      ::close(fd_);  // removed while this waited: made again by the open above
    }
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock() {
    if (fd_ >= 0) ::close(fd_);  // closing it releases the lock
  }

 private:
  int fd_ = -1;
};

}  // namespace

std::vector<std::string> run_output_names(const Simulation& s, std::string_view format) {
  std::vector<std::string> names;
  for (const OutputFile& f : run_output_files(s, format)) names.push_back(f.name);
  return names;
}

bool is_run_output(const fs::path& file) {
  const std::string name = file.filename().string();
  if (file.extension() == ".csv") return csv_with_provenance(file);
  if (name == "run.json") return json_with_provenance(file);
  if (name == "config.json" || name == "changes.json") {
    // They carry no provenance of their own: the run's series beside them does.
    const fs::path dir = file.parent_path();
    return csv_with_provenance(dir / "series.csv") || json_with_provenance(dir / "run.json");
  }
  return false;
}

std::string cannot_write_in(const fs::path& dir) {
  std::string probe = (dir / ".terrasim-probe-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

std::string checkpoint_path_problem(const std::string& file) {
  const fs::path path(file);
  if (file.empty() || path.filename().empty()) return "expected a file name";
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return fmt::format("no folder {} to write it in", dir.string());
  // Probed with the temporary the checkpoint is written to, not a name of
  // its own: a name that fits the folder but whose temporary (12 bytes
  // longer) does not passed, and the run failed at its checkpoint's month.
  std::string probe = temporary_pattern(file);
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) {
    const int error = errno;
    const std::size_t name = path.filename().string().size();
    const std::size_t extra = fs::path(probe).filename().string().size() - name;
    const long max = ::pathconf(dir.c_str(), _PC_NAME_MAX);
    // The name's fault only where the temporary's name is past the folder's
    // limit: a short name in a folder of a path near PATH_MAX was said to be
    // "too long (6 bytes)" (a review).
    if (error == ENAMETOOLONG && max > 0 && name + extra > static_cast<std::size_t>(max)) {
      return fmt::format("file name too long ({} bytes): the checkpoint is written first to .NAME.tmp-XXXXXX "
                         "beside it, {} bytes longer; expected {}",
                         name, extra,
                         max > static_cast<long>(extra)
                             ? fmt::format("a name of at most {} bytes (the folder takes names of up to {})",
                                           max - static_cast<long>(extra), max)
                             : std::string("a shorter name"));
    }
    if (error == ENAMETOOLONG)
      return fmt::format("path too long: {} bytes with its temporary's name (.NAME.tmp-XXXXXX beside it), past what "
                         "the system takes ({} bytes); choose a folder of a shorter path",
                         fs::absolute(probe, ec).string().size(), PATH_MAX);
    return fmt::format("cannot write in the folder {}: {}", dir.string(), std::strerror(error));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  if (!fs::exists(path, ec)) return {};
  if (fs::is_directory(path, ec)) return "is a folder";
  // Read only if a regular file: a FIFO would block the read.
  if (!fs::is_regular_file(path, ec)) return "exists and is not a regular file: refusing to write over it";
  if (!starts_like_checkpoint(file)) return "exists and is not a terrasim checkpoint: refusing to write over it";
  return {};
}

std::string output_folder_problem(const Simulation& s, const std::string& folder, std::string_view format) {
  const fs::path dir(folder);
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec))) {
    // Made when the outputs are written: its nearest existing parent must be a folder one can write in.
    fs::path parent = fs::absolute(dir, ec).lexically_normal();
    while (parent.has_parent_path() && parent != parent.parent_path() && !fs::exists(parent, ec))
      parent = parent.parent_path();
    if (!fs::is_directory(parent, ec)) return fmt::format("cannot make the folder: {} is not a folder", parent.string());
    if (const std::string why = cannot_write_in(parent); !why.empty())
      return fmt::format("cannot make the folder in {}: {}", parent.string(), why);
    return {};
  }
  if (!fs::is_directory(dir, ec)) return "exists and is not a folder";
  if (const std::string why = cannot_write_in(dir); !why.empty()) return "cannot write in the folder: " + why;
  for (const std::string& name : run_output_names(s, format)) {
    const fs::path file = dir / name;
    if (!fs::exists(fs::symlink_status(file, ec))) continue;
    if (fs::is_directory(file, ec)) return fmt::format("{} is a folder, where the run writes a file", name);
    // Read only if a regular file (a FIFO would block the read, a device would be read).
    if (!fs::is_regular_file(file, ec))
      return fmt::format("{} exists and is not a regular file: refusing to write over it", name);
    if (!is_run_output(file))
      return fmt::format("{} exists and is not a terrasim output: refusing to write over it", name);
  }
  return {};
}

std::vector<fs::path> missing_folders(const fs::path& path) {
  // The path as written, as create_directories follows it: "new/../b" makes
  // new and b (normalised, it would name b alone).
  std::vector<fs::path> missing;
  std::error_code ec;
  fs::path prefix;
  for (const fs::path& part : path) {
    prefix /= part;
    if (part.empty() || part == "." || part == ".." || part.has_root_directory()) continue;
    if (!fs::exists(fs::symlink_status(prefix, ec))) missing.push_back(prefix);
  }
  return missing;
}

void remove_empty_folders(const std::vector<fs::path>& folders) noexcept {
  std::error_code ec;
  for (auto it = folders.rbegin(); it != folders.rend(); ++it) {
    // A folder left (not empty, or no longer a folder: a link put there) holds the ones above it.
    if (!fs::is_directory(fs::symlink_status(*it, ec)) || !fs::is_empty(*it, ec) || ec || !fs::remove(*it, ec))
      return;
  }
}

namespace {

// write_run_outputs once `dir` is there and locked.
std::vector<std::string> write_into(const Simulation& s, const fs::path& dir, std::string_view format) {
  AtomicFileSet files;
  std::vector<std::string> written;
  for (const OutputFile& f : run_output_files(s, format)) {
    files.stage((dir / f.name).string(), f.content());
    written.push_back(f.name);
  }
  // The outputs of an earlier run in the folder that this one does not
  // write, judged before this run's files replace any: the folder holds one
  // run's files, which config.json repeats. Only the names a run writes are
  // candidates: any CSV file with a run's provenance was removed before,
  // a series saved under another name (seed3.csv) with it.
  std::vector<std::string> earlier;
  std::error_code ec;
  for (const std::string& name : output_names_of_any_run(s)) {
    const fs::path file = dir / name;
    if (std::find(written.begin(), written.end(), name) != written.end() ||
        !fs::is_regular_file(fs::symlink_status(file, ec)))
      continue;
    if (is_run_output(file)) earlier.push_back(name);
  }
  std::sort(earlier.begin(), earlier.end());
  files.commit();
  for (const std::string& name : earlier) fs::remove(dir / name);
  return earlier;
}

}  // namespace

std::vector<std::string> write_run_outputs(const Simulation& s, const std::string& folder, std::string_view format) {
  if (format != "csv" && format != "json")
    throw std::invalid_argument(fmt::format("output format '{}': expected csv or json", format));
  // A run's files say a run: of a failed simulation they were its months
  // before, with nothing to say it had failed.
  if (!s.failed().empty())
    throw std::logic_error(fmt::format("cannot write the outputs to {}: {}; its months before are its series, "
                                       "which Python reads",
                                       folder, s.failed()));
  if (const std::string why = output_folder_problem(s, folder, format); !why.empty())
    throw std::runtime_error(fmt::format("--out {}: {}", folder, why));
  // The folders made for the files go with them when they cannot be written
  // (the disk full): outputs that were not written leave nothing behind.
  const std::vector<fs::path> made = missing_folders(folder);
  const fs::path dir(folder);
  try {
    fs::create_directories(dir);
  } catch (...) {
    remove_empty_folders(made);
    throw;
  }
  // One writer at a time: two runs writing here together left a mix of both
  // (the series of one, the breakdowns and config.json of the other). The
  // second waits, then replaces the first's files whole.
  const FolderLock lock(dir);
  try {
    return write_into(s, dir, format);
  } catch (...) {
    // Removed while locked: a run waiting for the lock then finds the folder
    // gone and makes it again (FolderLock), rather than writing into a folder
    // removed after it had checked it.
    remove_empty_folders(made);
    throw;
  }
}

}  // namespace terrasim::sim
