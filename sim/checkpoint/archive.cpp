// Checkpoint files: framing, verification; files written atomically, alone or as a set.
#include "sim/checkpoint/archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <utility>

#include <fmt/format.h>

#include "sim/util/memory_limit.h"
#include "sim/util/sha256.h"

namespace terrasim::sim {

namespace {
constexpr std::array<char, 8> kMagic = {'T', 'S', 'I', 'M', 'C', 'K', 'P', 'T'};
constexpr std::size_t kHeader = 8 + 4 + 8;
constexpr std::size_t kTrailer = 32;

std::string errno_text() { return std::strerror(errno); }

// The folder a file is written in, where its temporary goes.
std::filesystem::path folder_of(const std::filesystem::path& file) {
  return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}
}  // namespace

bool starts_like_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 8> head{};
  in.read(head.data(), head.size());
  return in.gcount() == static_cast<std::streamsize>(head.size()) && head == kMagic;
}

std::string temporary_pattern(const std::string& path) {
  const std::filesystem::path target(path);
  // fmt rather than "." + string: GCC 12 warns (-Wrestrict, a false positive) on the latter.
  return (folder_of(target) / fmt::format(".{}.tmp-XXXXXX", target.filename().string())).string();
}

void AtomicFileSet::stage(const std::string& path, std::string_view content) {
  std::string tmp = temporary_pattern(path);
  // Listed before it exists, so that no throw can leak the file; discard()
  // removes it from here on.
  staged_.push_back({path, std::move(tmp)});
  const int fd = ::mkstemp(staged_.back().temporary.data());
  if (fd < 0) {
    const std::string why = errno_text();
    staged_.pop_back();  // nothing was created
    fail(path, why);
  }
  std::string why;
  for (std::size_t written = 0; why.empty() && written < content.size();) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n >= 0)
      written += static_cast<std::size_t>(n);
    else if (errno != EINTR)
      why = errno_text();
  }
  ::fchmod(fd, 0644);
  // Starts writing the data out, without waiting: by the time commit()
  // flushes the files, their blocks are allocated, so that one journal commit
  // can carry them all. Advice only: an error shows at the flush.
  if (why.empty()) ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  staged_.back().fd = fd;
  if (!why.empty()) fail(path, why);
}

void AtomicFileSet::commit() {
  // What rename(2) would refuse that can be seen beforehand, a folder where a
  // file goes, is checked for every file before the first rename. (The folder
  // itself not writable refused the temporaries already.)
  for (const auto& f : staged_) {
    struct stat st {};
    if (::lstat(f.target.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail(f.target, std::strerror(EISDIR));
  }
  // Every file on disk before the first rename, so that a crash leaves each
  // target either old or whole and new.
  for (auto& f : staged_) {
    std::string why;
    if (::fsync(f.fd) != 0) why = errno_text();
    if (::close(std::exchange(f.fd, -1)) != 0 && why.empty()) why = errno_text();
    if (!why.empty()) fail(f.target, why);
  }
  // A rename can still fail after that (EIO, the disk gone, a sticky folder's
  // file of another user): the files before it are then replaced and the
  // others are not, a mix of old and new that the message names.
  for (std::size_t i = 0; i < staged_.size(); ++i) {
    if (::rename(staged_[i].temporary.c_str(), staged_[i].target.c_str()) == 0) continue;
    std::string why = errno_text();
    if (i > 0) {
      std::vector<std::string> replaced;
      for (std::size_t j = 0; j < i; ++j) replaced.push_back(staged_[j].target);
      why += fmt::format(" ({} already replaced: the files are now a mix of old and new)", fmt::join(replaced, ", "));
    }
    staged_.erase(staged_.begin(), staged_.begin() + static_cast<std::ptrdiff_t>(i));  // no temporaries left
    fail(staged_.front().target, why);
  }
  // The renames are durable once their folders are flushed.
  std::vector<std::filesystem::path> folders;
  for (const auto& f : staged_) {
    const auto folder = folder_of(f.target);
    if (std::find(folders.begin(), folders.end(), folder) == folders.end()) folders.push_back(folder);
  }
  staged_.clear();
  // Best effort where the folder cannot be opened (a folder one may write
  // but not read) or flushed (EINVAL: a file system that cannot): the files
  // are in place, as they were before folders were flushed. An error of the
  // flush itself (EIO) is reported.
  for (const auto& folder : folders) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue;
    const bool flushed = ::fsync(fd) == 0 || errno == EINVAL;
    const std::string why = errno_text();
    ::close(fd);
    if (!flushed)
      throw std::runtime_error(fmt::format("cannot write {}: flushing the folder after replacing its files: {}",
                                           folder.string(), why));
  }
}

void AtomicFileSet::discard() noexcept {
  for (const auto& f : staged_) {
    if (f.fd >= 0) ::close(f.fd);
    ::unlink(f.temporary.c_str());
  }
  staged_.clear();
}

void AtomicFileSet::fail(const std::string& path, const std::string& why) {
  // Made before discard(): `path` may be one of staged_'s.
  std::runtime_error error(fmt::format("cannot write {}: {}", path, why));
  discard();
  throw error;
}

void write_file_atomically(const std::string& path, std::string_view content) {
  AtomicFileSet file;
  file.stage(path, content);
  file.commit();
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

namespace {
// Reads up to `n` bytes of `fd` into `p`; fewer only at the end of the file
// (or of the stream). Throws CheckpointError naming `path`.
std::size_t read_into(int fd, const std::string& path, char* p, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t k = ::read(fd, p + got, n - got);
    if (k == 0) break;
    if (k < 0) {
      if (errno == EINTR) continue;
      throw CheckpointError(fmt::format("{}: cannot read checkpoint: {}", path, errno_text()));
    }
    got += static_cast<std::size_t>(k);
  }
  return got;
}

// Reads up to `n` bytes of `fd` without keeping them; returns how many came
// (fewer only at the end).
std::uint64_t skip_up_to(int fd, const std::string& path, std::uint64_t n) {
  std::array<char, 1 << 16> chunk;
  std::uint64_t got = 0;
  while (got < n) {
    const std::size_t k = read_into(fd, path, chunk.data(), static_cast<std::size_t>(std::min<std::uint64_t>(n - got, chunk.size())));
    got += k;
    if (k == 0) break;
  }
  return got;
}

// Appends up to `n` bytes of `fd` to `out`, read from where it stands; fewer
// only at the end. The buffer is sized for `n` at once: only for a size that
// the file's own has vouched for.
void read_up_to(int fd, const std::string& path, std::string& out, std::size_t n) {
  const std::size_t start = out.size();
  out.resize(start + n);
  out.resize(start + read_into(fd, path, out.data() + start, n));
}

// The same from a stream, whose length nothing vouches for: the buffer grows
// as the bytes arrive, a chunk at a time (into room the caller may have
// reserved, which is address space until written), so that a header
// announcing more than will come uses no more memory than what came.
void read_stream_up_to(int fd, const std::string& path, std::string& out, std::uint64_t n) {
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  for (std::uint64_t got = 0; got < n;) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(n - got, kChunk));
    const std::size_t start = out.size();
    out.resize(start + want);
    const std::size_t k = read_into(fd, path, out.data() + start, want);
    out.resize(start + k);
    if (k < want) break;
    got += k;
  }
}

// Opens `path` to read a checkpoint; returns the descriptor, and whether it
// is a stream (a pipe). Stat'ed before it is opened, so that what opening
// would wait on or act on is refused or opened without waiting:
// - a regular file is opened as other programs open it, without O_NONBLOCK:
//   with it, the open failed (EAGAIN) while another process held a lease on
//   the file (Samba's oplocks, nfsd's delegations), where this one waits for
//   the holder to let it go;
// - a pipe or FIFO (`terrasim resume <(zstd -dc x.ckpt.zst)`, `cat x.ckpt |
//   terrasim resume /dev/stdin`) is opened with O_NONBLOCK, whose open does
//   not wait for a writer (`terrasim resume FIFO` hung), then read blocking:
//   a FIFO that nothing writes to reads as empty, a truncated checkpoint;
// - a directory, a device (/dev/zero would fill the memory) or a socket is
//   refused without being opened.
// The descriptor's type is checked again: the path may be replaced meanwhile.
std::pair<int, bool> open_checkpoint(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw CheckpointError(fmt::format("{}: cannot open checkpoint: {}", path, errno_text()));
  const auto refuse_kind = [&path](const struct stat& s) {
    if (S_ISDIR(s.st_mode)) throw CheckpointError(fmt::format("{}: is a directory, not a checkpoint", path));
    if (!S_ISREG(s.st_mode) && !S_ISFIFO(s.st_mode))
      throw CheckpointError(fmt::format("{}: not a file or a pipe (a device, a socket), not a checkpoint", path));
  };
  refuse_kind(st);
  const bool stream = S_ISFIFO(st.st_mode);
  // A blocking open may wait (for another process's lease to be let go): a
  // signal meanwhile is not a failure to open.
  int fd;
  do fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (stream ? O_NONBLOCK : 0));
  while (fd < 0 && errno == EINTR);
  if (fd < 0) throw CheckpointError(fmt::format("{}: cannot open checkpoint: {}", path, errno_text()));
  try {
    struct stat opened {};
    if (::fstat(fd, &opened) != 0)
      throw CheckpointError(fmt::format("{}: cannot read checkpoint: {}", path, errno_text()));
    refuse_kind(opened);
    if (S_ISFIFO(opened.st_mode) != stream)
      throw CheckpointError(fmt::format("{}: replaced while it was opened, not read", path));
    if (stream) {
      const int flags = ::fcntl(fd, F_GETFL);
      if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
        throw CheckpointError(fmt::format("{}: cannot read checkpoint: {}", path, errno_text()));
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  return {fd, stream};
}
}  // namespace

ArchiveReader ArchiveReader::from_file(const std::string& path) {
  const auto [fd, stream] = open_checkpoint(path);
  const struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  // The header first, judged before the payload is read: a file that is not
  // a checkpoint (or a header whose size is wrong) is refused without
  // reading it all, and nothing is allocated beyond the file's own size (or,
  // from a stream, beyond what it gave), whatever the header says.
  std::string header;
  read_up_to(fd, path, header, kHeader);
  if (stream && header.empty())
    throw CheckpointError(fmt::format("{}: truncated checkpoint: the pipe gave no byte (nothing wrote to it)", path));
  if (header.size() < kMagic.size() || std::memcmp(header.data(), kMagic.data(), kMagic.size()) != 0) {
    throw CheckpointError(fmt::format("{}: not a terrasim checkpoint (it does not start with {:?})", path,
                                      std::string_view(kMagic.data(), kMagic.size())));
  }
  if (header.size() < kHeader) {
    throw CheckpointError(
        fmt::format("{}: truncated checkpoint: {} bytes, the header alone is {}", path, header.size(), kHeader));
  }
  std::uint32_t version = 0;
  std::uint64_t size = 0;
  std::memcpy(&version, header.data() + 8, sizeof version);
  std::memcpy(&size, header.data() + 12, sizeof size);
  if (version != kCheckpointFormat) {
    throw CheckpointError(fmt::format("{}: checkpoint format {} is not supported by this terrasim (format {})", path,
                                      version, kCheckpointFormat));
  }
  // Compared without computing kHeader + size + kTrailer, which a size near
  // 2^64 would wrap round to a small number.
  const std::uint64_t framing = kHeader + kTrailer;
  const auto truncated = [&](std::uint64_t bytes) {
    return CheckpointError(fmt::format("{}: truncated checkpoint: {} bytes, its header announces a payload of {} "
                                       "bytes (and {} of header and hash)",
                                       path, bytes, size, framing));
  };
  if (!stream) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
      throw CheckpointError(fmt::format("{}: cannot read checkpoint: {}", path, errno_text()));
    const auto file_size = static_cast<std::uint64_t>(st.st_size);
    if (file_size < framing || size > file_size - framing) throw truncated(file_size);
    if (size < file_size - framing) {
      throw CheckpointError(fmt::format("{}: padded checkpoint: {} bytes, expected {} ({} of payload and {} of header "
                                        "and hash)",
                                        path, file_size, size + framing, size, framing));
    }
  }
  // A size that the file vouches for may still be more than the memory can
  // hold (a sparse file: truncate -s 100G), and a stream's buffer grows with
  // what it gives: refused naming the file, rather than ended by
  // std::bad_alloc (the program aborted, exit 134; Python had a MemoryError
  // without the path).
  const auto too_large = [&](std::string_view why) {
    // A stream's header is bounded by nothing: its size with the framing
    // could wrap past 2^64 (then the payload's size alone is said).
    const std::uint64_t bytes = size <= UINT64_MAX - framing ? size + framing : size;
    return CheckpointError(fmt::format("{}: too large to read: {} bytes ({})", path, bytes, why));
  };
  // The memory this process may use: a control group's limit (a container,
  // a cluster job) may be far below the machine's, and past it the kernel
  // kills the process without a word rather than failing the allocation.
  const auto memory = usable_memory();
  if (memory && size > memory->bytes) {
    const auto beyond = [&] { return too_large(fmt::format("more than {}, {} bytes", memory->source, memory->bytes)); };
    if (!stream) throw beyond();
    // A stream's header may announce more than will come: read on without
    // keeping what comes, to tell a truncated stream from one too large to
    // hold (which, kept, the kernel would have killed the process for).
    if (const std::uint64_t came = skip_up_to(fd, path, memory->bytes + 1); came <= memory->bytes)
      throw truncated(kHeader + came);
    throw beyond();
  }
  std::string payload;
  try {
    // From a stream, the buffer fills as the bytes arrive: a header that
    // announces more than will come uses no more memory than what came.
    if (stream) {
      // Room for what the header announces, within the memory (checked
      // above): a buffer grown by doubling held its old and new copies at
      // once (a 600 MiB stream in a 1 GiB group was killed). Pages not
      // written are not used, so a header that lies costs no memory, but
      // address space: where that is limited (ulimit -v) and the room cannot
      // be had, the buffer grows with what comes, as before, so that a
      // header that lies is still reported as truncated.
      if (memory) {
        try {
          payload.reserve(static_cast<std::size_t>(size));
        } catch (const std::bad_alloc&) {
        } catch (const std::length_error&) {
        }
      }
      read_stream_up_to(fd, path, payload, size);
    }
    else {
      read_up_to(fd, path, payload, size);
    }
  } catch (const std::bad_alloc&) {
    throw too_large("the memory to hold it cannot be allocated");
  } catch (const std::length_error&) {
    throw too_large("the memory to hold it cannot be allocated");
  }
  std::string trailer;
  // The hash, and one byte more, which should not come: from a stream, its
  // length is known only once it is read; a file may have grown since fstat.
  read_up_to(fd, path, trailer, kTrailer + 1);
  if (stream) {
    if (payload.size() < size) throw truncated(kHeader + payload.size());
    if (trailer.size() < kTrailer) throw truncated(kHeader + size + trailer.size());
    if (trailer.size() > kTrailer) {
      throw CheckpointError(fmt::format("{}: padded checkpoint: more than {} bytes, expected {} ({} of payload and {} "
                                        "of header and hash)",
                                        path, size + framing, size + framing, size, framing));
    }
  } else if (payload.size() != size || trailer.size() != kTrailer) {
    throw CheckpointError(fmt::format("{}: truncated or padded checkpoint: it changed while it was read", path));
  }
  Sha256 h;
  h.update(payload);
  const auto digest = h.digest();
  if (std::memcmp(digest.data(), trailer.data(), kTrailer) != 0) {
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
