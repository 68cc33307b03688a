// Fuzz harness for checkpoint files as the programs open them: any bytes, as
// a whole file (magic, format version, payload size, payload, SHA-256),
// resumed by Simulation::resume(path), which `terrasim resume` and Python's
// Simulation.resume call and which reads the file with
// ArchiveReader::from_file, must give a CheckpointError or ScenarioError
// whose message starts with the file's path, or a restored simulation that
// checkpoints to the payload it was read from. Never a crash, a hang,
// another exception or undefined behaviour; nor a huge allocation (a size
// in the header near 2^64), which libFuzzer's -malloc_limit_mb reports.
//
// A harness of its own rather than a mode of fuzz_checkpoint: that one
// feeds its bytes as a payload, behind the hash, to reach the code that
// restores a state. Here nearly every change to a payload is stopped by
// the hash, so what is fuzzed is the framing (header, lengths, trailer) and
// the reading of the file. Inputs of the two meanings in one harness would
// split libFuzzer's time between them, cross over into each other to no
// purpose (a payload is no file, nor the reverse), and a mode byte would
// change the meaning of fuzz_checkpoint's corpus and seeds.
//
// The bytes are written to a memfd, a regular file in memory opened by its
// path (/proc/self/fd/N) as the programs open a checkpoint: the real file
// code, without writing the disk at every input.
//
// Built three ways:
// - with clang and libFuzzer (TERRASIM_FUZZ=ON; `scripts/fuzz
//   checkpoint-file` seeds it with checkpoint files of the small dock and
//   territory scenarios);
// - into the test_fuzz_checkpoint_file_smoke GoogleTest with
//   -DTERRASIM_FUZZ_SMOKE, which feeds it those files cut, with their
//   headers, sizes and hashes broken, and mutated with a fixed seed;
// - otherwise as a program that replays the files named on its command line.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "sim/checkpoint/archive.h"
#include "sim/core/simulation.h"
#include "sim/scenario/error.h"

namespace {

using namespace terrasim::sim;

[[noreturn]] void finding(const std::string& what) {
  std::cerr << what << "\n";
  std::abort();
}

// The memfd the inputs are written to, and its path.
struct MemoryFile {
  int fd = ::memfd_create("fuzz.ckpt", MFD_CLOEXEC);
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  MemoryFile() {
    if (fd < 0) finding(std::string("memfd_create: ") + std::strerror(errno));
  }
  void write(std::string_view bytes) const {
    if (::ftruncate(fd, 0) != 0) finding(std::string("ftruncate: ") + std::strerror(errno));
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno != EINTR) finding(std::string("pwrite: ") + std::strerror(errno));
      if (n > 0) done += static_cast<std::size_t>(n);
    }
  }
};

void expect_names_the_file(const std::string& message, const std::string& path) {
  if (!message.starts_with(path)) finding("an error that does not name the file " + path + ": " + message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const MemoryFile file;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  file.write(bytes);
  std::unique_ptr<Simulation> s;
  try {
    s = Simulation::resume(file.path, 1);
  } catch (const CheckpointError& e) {
    expect_names_the_file(e.what(), file.path);
    return 0;
  } catch (const ScenarioError& e) {
    expect_names_the_file(e.what(), file.path);
    return 0;
  }
  // A file that passes its hash is one that save_checkpoint wrote (or
  // crafted: fuzz_checkpoint's), and a restored state saves as it was read.
  if (const auto bad = s->model().check_invariants(s->recorder()); !bad.empty())
    finding("restored an inconsistent state: " + bad.front());
  if (size < 20 + 32 || s->checkpoint_payload() != bytes.substr(20, size - 20 - 32))  // header, hash
    finding("a restored checkpoint does not save to the payload it was read from");
  return 0;
}

#if !defined(TERRASIM_FUZZ_SMOKE) && !defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
#include "tests/fuzz/replay_main.h"
#endif
