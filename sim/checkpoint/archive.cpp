// Checkpoint files: framing, verification, atomic writes.
#include "sim/checkpoint/archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "sim/util/sha256.h"

namespace terrasim::sim {

namespace {
constexpr std::array<char, 8> kMagic = {'T', 'S', 'I', 'M', 'C', 'K', 'P', 'T'};
constexpr std::size_t kHeader = 8 + 4 + 8;
constexpr std::size_t kTrailer = 32;

std::string errno_text() { return std::strerror(errno); }
}  // namespace

bool starts_like_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 8> head{};
  in.read(head.data(), head.size());
  return in.gcount() == static_cast<std::streamsize>(head.size()) && head == kMagic;
}

void write_file_atomically(const std::string& path, std::string_view content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  // fmt rather than "." + string: GCC 12 warns (-Wrestrict, a false positive) on the latter.
  std::string tmp = (dir / fmt::format(".{}.tmp-XXXXXX", target.filename().string())).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw std::runtime_error(fmt::format("cannot write {}: {}", path, errno_text()));
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error(fmt::format("cannot write {}: {}", path, why));
    }
    written += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, why));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, why));
  }
}

void ArchiveWriter::write_file(const std::string& path) const {
  std::string out;
  out.reserve(kHeader + buf_.size() + kTrailer);
  out.append(kMagic.data(), kMagic.size());
  const std::uint32_t version = kCheckpointFormat;
  const std::uint64_t size = buf_.size();
  out.append(reinterpret_cast<const char*>(&version), sizeof version);
  out.append(reinterpret_cast<const char*>(&size), sizeof size);
  out.append(buf_);
  Sha256 h;
  h.update(buf_);
  const auto digest = h.digest();
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  write_file_atomically(path, out);
}

ArchiveReader ArchiveReader::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError(fmt::format("{}: cannot open checkpoint: {}", path, errno_text()));
  if (std::filesystem::is_directory(path)) throw CheckpointError(fmt::format("{}: is a directory, not a checkpoint", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  if (data.size() < kMagic.size() || std::memcmp(data.data(), kMagic.data(), kMagic.size()) != 0) {
    throw CheckpointError(fmt::format("{}: not a terrasim checkpoint (it does not start with {:?})", path,
                                      std::string_view(kMagic.data(), kMagic.size())));
  }
  if (data.size() < kHeader) {
    throw CheckpointError(fmt::format("{}: truncated checkpoint: {} bytes, the header alone is {}", path, data.size(), kHeader));
  }
  std::uint32_t version = 0;
  std::uint64_t size = 0;
  std::memcpy(&version, data.data() + 8, sizeof version);
  std::memcpy(&size, data.data() + 12, sizeof size);
  if (version != kCheckpointFormat) {
    throw CheckpointError(fmt::format("{}: checkpoint format {} is not supported by this terrasim (format {})", path,
                                      version, kCheckpointFormat));
  }
  const std::uint64_t expected = kHeader + size + kTrailer;
  if (size > data.size() || data.size() != expected) {
    throw CheckpointError(fmt::format("{}: truncated or padded checkpoint: {} bytes, expected {}", path, data.size(),
                                      size > data.size() ? std::string("more") : std::to_string(expected)));
  }
  std::string payload = data.substr(kHeader, size);
  Sha256 h;
  h.update(payload);
  const auto digest = h.digest();
  if (std::memcmp(digest.data(), data.data() + kHeader + size, kTrailer) != 0) {
    throw CheckpointError(fmt::format("{}: corrupt checkpoint: its SHA-256 does not match its content", path));
  }
  return ArchiveReader(std::move(payload), path);
}

void ArchiveReader::take(void* p, std::size_t n) {
  if (n == 0) return;  // an empty column: p may be null, which memcpy refuses
  if (n > buf_.size() - pos_) fail(fmt::format("needed {} more bytes at offset {}", n, pos_));
  std::memcpy(p, buf_.data() + pos_, n);
  pos_ += n;
}

std::string ArchiveReader::get_string() {
  const auto n = get<std::uint64_t>();
  if (n > buf_.size() - pos_) fail("a string is longer than the file");
  std::string s = buf_.substr(pos_, n);
  pos_ += n;
  return s;
}

void ArchiveReader::expect_tag(std::string_view name) {
  const std::string got = get_string();
  if (got != name) fail(fmt::format("expected section {:?}, found {:?}", name, got));
}

void ArchiveReader::fail(const std::string& what) const {
  throw CheckpointError(fmt::format("{}: inconsistent checkpoint: {}", origin_, what));
}

}  // namespace terrasim::sim
