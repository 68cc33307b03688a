// The checkpoint file harness (tests/fuzz/fuzz_checkpoint_file.cpp) on a
// fixed corpus: whole files of small dock and territory checkpoints, cut
// at every length of their header and hash (and some of their payload),
// with other magic bytes, format versions and payload sizes (sizes near
// 2^64 among them), with a bad hash, padded, with a crafted payload behind
// a valid hash, and mutated with a fixed seed. Each input must come back (a
// CheckpointError or ScenarioError naming the file is fine); a crash,
// another exception or, in the sanitizer builds, undefined behaviour fails
// the test. The errors the programs show for the usual damage are checked
// here by their text, read through Simulation::resume(path) as `terrasim
// resume` reads a file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "sim/checkpoint/archive.h"
#include "sim/core/simulation.h"
#include "sim/scenario/error.h"
#include "sim/util/sha256.h"
#include "tests/models/fuzz/checkpoint_seeds.h"
#include "tests/support/mutations.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using namespace terrasim;
namespace ts = terrasim::testing;
namespace fs = std::filesystem;

constexpr std::size_t kHeader = 20, kTrailer = 32;

void feed(const std::string& input) {
  EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()), 0);
}

std::string with_u32(std::string file, std::size_t at, std::uint32_t v) {
  std::memcpy(file.data() + at, &v, sizeof v);
  return file;
}
std::string with_u64(std::string file, std::size_t at, std::uint64_t v) {
  std::memcpy(file.data() + at, &v, sizeof v);
  return file;
}

// A file framed as save_checkpoint frames one, with a valid hash, around `payload`.
std::string framed(const std::string& payload) {
  std::string file = "TSIMCKPT";
  file.append(4, '\0');
  file.append(8, '\0');
  file = with_u32(file, 8, sim::kCheckpointFormat);
  file = with_u64(file, 12, payload.size());
  file += payload;
  sim::Sha256 h;
  h.update(payload);
  const auto digest = h.digest();
  file.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return file;
}

// Broken files of every kind the header, its sizes and the hash allow.
std::vector<std::string> broken_files(const std::string& good) {
  const std::size_t payload = good.size() - kHeader - kTrailer;
  std::vector<std::string> out;
  for (std::size_t n = 0; n <= kHeader + 16; ++n) out.push_back(good.substr(0, n));  // header cut
  for (std::size_t n = good.size() - kTrailer - 8; n < good.size(); ++n) out.push_back(good.substr(0, n));  // hash cut
  for (std::size_t n = kHeader; n < good.size(); n += 1 + good.size() / 30) out.push_back(good.substr(0, n));
  for (std::size_t i = 0; i < 8; ++i) {  // magic
    std::string m = good;
    m[i] = static_cast<char>(m[i] ^ 0x20);  // lower case
    out.push_back(m);
  }
  for (std::uint32_t v : {0u, 1u, 2u, sim::kCheckpointFormat + 1, 99u, 0xFFFFFFFFu, 0x03000000u, 0x80000003u})
    out.push_back(with_u32(good, 8, v));
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{payload - 1}, std::uint64_t{payload + 1},
                          std::uint64_t{good.size()}, std::uint64_t{1} << 32, std::uint64_t{1} << 63,
                          ~std::uint64_t{0}, ~std::uint64_t{0} - (kHeader + kTrailer) + 1, ~std::uint64_t{0} - kTrailer + 1,
                          ~std::uint64_t{0} - kHeader + 1})
    out.push_back(with_u64(good, 12, v));
  for (std::size_t i = 0; i < kTrailer; ++i) {  // hash
    std::string m = good;
    m[good.size() - kTrailer + i] ^= 1;
    out.push_back(m);
  }
  out.push_back(good.substr(0, good.size() - kTrailer) + std::string(kTrailer, '\0'));
  for (std::size_t at : {kHeader, kHeader + 8, kHeader + payload / 2, good.size() - kTrailer - 1}) {  // payload
    std::string m = good;
    m[at] ^= 1;
    out.push_back(m);
  }
  out.push_back(good + "x");  // padded
  out.push_back(good + std::string(kTrailer, '\0'));
  out.push_back(good + good);
  // Crafted: a valid hash around a payload that is not a state.
  out.push_back(framed(""));
  out.push_back(framed("hello"));
  out.push_back(framed(good.substr(kHeader, payload / 2)));
  return out;
}

TEST(FuzzCheckpointFileSmoke, BrokenHeadersSizesAndHashes) {
  for (const auto& seed : ts::seed_checkpoints()) {
    SCOPED_TRACE(seed.name);
    ASSERT_EQ(framed(seed.payload), seed.file) << "the files are framed as this test frames them";
    feed(seed.file);  // restores, and saves to the same payload
    for (const auto& bad : broken_files(seed.file)) feed(bad);
  }
}

TEST(FuzzCheckpointFileSmoke, SeededMutations) {
  std::mt19937_64 rng(20261213);
  for (const auto& seed : ts::seed_checkpoints()) {
    SCOPED_TRACE(seed.name);
    for (int round = 0; round < 150; ++round) {
      // Half of them within the header, where a mutation is not simply a bad hash.
      std::string m = seed.file;
      if (round % 2) {
        const std::string head = ts::mutated(m.substr(0, kHeader), rng, 3, 4);
        m = head + m.substr(kHeader);
      } else {
        m = ts::mutated(m, rng, 4, 16);
      }
      feed(m);
    }
  }
}

// What `terrasim resume` says of a file: the error of Simulation::resume(path).
struct Resumed {
  fs::path dir = fs::temp_directory_path() / ("terrasim-file-smoke-" + std::to_string(::getpid()));
  Resumed() { fs::create_directories(dir); }
  ~Resumed() { fs::remove_all(dir); }
  std::string error(const std::string& bytes) const {
    const std::string path = (dir / "c.ckpt").string();
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    try {
      sim::Simulation::resume(path, 1);
    } catch (const sim::CheckpointError& e) {
      return e.what();
    } catch (const sim::ScenarioError& e) {
      return e.what();
    }
    return "(resumed)";
  }
  std::string path() const { return (dir / "c.ckpt").string(); }
};

TEST(FuzzCheckpointFileSmoke, TheErrorsSayWhatIsWrongWithTheFile) {
  const auto seeds = ts::seed_checkpoints();
  const std::string& good = seeds.front().file;
  const std::size_t payload = good.size() - kHeader - kTrailer;
  const Resumed r;
  const std::string p = r.path() + ": ";
  EXPECT_EQ(r.error(good), "(resumed)");
  EXPECT_EQ(r.error(""), p + "not a terrasim checkpoint (it does not start with \"TSIMCKPT\")");
  EXPECT_EQ(r.error("TSIMCK"), p + "not a terrasim checkpoint (it does not start with \"TSIMCKPT\")");
  EXPECT_EQ(r.error("tsimckpt" + good.substr(8)), p + "not a terrasim checkpoint (it does not start with \"TSIMCKPT\")");
  EXPECT_EQ(r.error(good.substr(0, 12)), p + "truncated checkpoint: 12 bytes, the header alone is 20");
  EXPECT_EQ(r.error(with_u32(good, 8, 2)), p + "checkpoint format 2 is not supported by this terrasim (format 3)");
  EXPECT_EQ(r.error(with_u32(good, 8, 0xFFFFFFFFu)),
            p + "checkpoint format 4294967295 is not supported by this terrasim (format 3)");
  const std::string size = std::to_string(good.size());
  EXPECT_EQ(r.error(good.substr(0, good.size() - 1)),
            p + "truncated checkpoint: " + std::to_string(good.size() - 1) + " bytes, its header announces a payload of " +
                std::to_string(payload) + " bytes (and 52 of header and hash)");
  EXPECT_EQ(r.error(good.substr(0, 30)), p + "truncated checkpoint: 30 bytes, its header announces a payload of " +
                                             std::to_string(payload) + " bytes (and 52 of header and hash)");
  // Sizes near 2^64: header, size and hash added up would wrap round to 0.
  EXPECT_EQ(r.error(with_u64(good, 12, ~std::uint64_t{0} - 51)),
            p + "truncated checkpoint: " + size + " bytes, its header announces a payload of 18446744073709551564 bytes "
                "(and 52 of header and hash)");
  EXPECT_EQ(r.error(good + "x"), p + "padded checkpoint: " + std::to_string(good.size() + 1) + " bytes, expected " +
                                     size + " (" + std::to_string(payload) + " of payload and 52 of header and hash)");
  std::string bad_hash = good;
  bad_hash.back() ^= 1;
  EXPECT_EQ(r.error(bad_hash), p + "corrupt checkpoint: its SHA-256 does not match its content");
  std::string bad_payload = good;
  bad_payload[kHeader + payload / 2] ^= 1;
  EXPECT_EQ(r.error(bad_payload), p + "corrupt checkpoint: its SHA-256 does not match its content");
  // Past the hash, the payload's own errors name the file too (a cut after the version's length).
  EXPECT_EQ(r.error(framed("")), p + "inconsistent checkpoint: needed 8 more bytes at offset 0");
  EXPECT_EQ(r.error(framed(good.substr(kHeader, 24))), p + "inconsistent checkpoint: a string is longer than the file");
}

}  // namespace
