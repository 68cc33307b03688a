// Binary archives for checkpoints: what a simulation writes to continue later.
//
// A checkpoint file is
//   magic "TSIMCKPT" (8 bytes) | format version (u32) | payload size (u64) |
//   payload | SHA-256 of the payload (32 bytes)
// in little-endian byte order. The reader refuses a file with another magic
// ("not a terrasim checkpoint"), another format version, a size that does
// not match ("truncated", "padded") or a hash that does not match
// ("corrupt"), naming the file, before anything is restored; and a path
// that is no regular file (a FIFO, a device) without reading it.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace terrasim::sim {

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::uint32_t kCheckpointFormat = 3;  // 2: the configuration history; 3: the territory's establishment grant

class ArchiveWriter {
 public:
  template <class T>
    requires std::is_trivially_copyable_v<T>
  void put(const T& v) {
    append(&v, sizeof(T));
  }
  void put_string(std::string_view s) {
    put<std::uint64_t>(s.size());
    append(s.data(), s.size());
  }
  template <class T, class A>
    requires std::is_trivially_copyable_v<T>
  void put_vector(const std::vector<T, A>& v) {
    put<std::uint64_t>(v.size());
    append(v.data(), v.size() * sizeof(T));
  }
  // A named section marker, checked on reading so that a model that reads
  // fields in another order than it wrote them fails loudly.
  void tag(std::string_view name) { put_string(name); }
  // A named column of agents: its tag, then its values.
  template <class T, class A>
    requires std::is_trivially_copyable_v<T>
  void put_column(std::string_view name, const std::vector<T, A>& v) {
    tag(name);
    put_vector(v);
  }

  const std::string& bytes() const { return buf_; }

  // Writes magic, version, payload and hash to `path` through a temporary
  // file and a rename, so a crash never leaves half a checkpoint.
  void write_file(const std::string& path) const;

 private:
  void append(const void* p, std::size_t n) {
    if (n) buf_.append(static_cast<const char*>(p), n);  // an empty column's data() may be null
  }
  std::string buf_;
};

class ArchiveReader {
 public:
  // Reads and verifies a checkpoint file; throws CheckpointError.
  static ArchiveReader from_file(const std::string& path);
  ArchiveReader(std::string payload, std::string origin) : buf_(std::move(payload)), origin_(std::move(origin)) {}

  template <class T>
    requires std::is_trivially_copyable_v<T>
  T get() {
    T v;
    take(&v, sizeof(T));
    return v;
  }
  std::string get_string();
  template <class T, class A = std::allocator<T>>
    requires std::is_trivially_copyable_v<T>
  std::vector<T, A> get_vector() {
    const auto n = get<std::uint64_t>();
    if (n > (buf_.size() - pos_) / (sizeof(T) ? sizeof(T) : 1)) fail("a column is longer than the file");
    std::vector<T, A> v(n);
    take(v.data(), n * sizeof(T));
    return v;
  }
  void expect_tag(std::string_view name);
  // Reads a column written by put_column under the same name.
  template <class T, class A>
    requires std::is_trivially_copyable_v<T>
  void get_column(std::string_view name, std::vector<T, A>& v) {
    expect_tag(name);
    v = get_vector<T, A>();
  }
  bool at_end() const { return pos_ == buf_.size(); }
  const std::string& origin() const { return origin_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  void take(void* p, std::size_t n);
  std::string buf_;
  std::string origin_;
  std::size_t pos_ = 0;
};

// Whether the file at `path` starts as a terrasim checkpoint does (its
// magic bytes), whatever follows: what may be written over by a new one.
bool starts_like_checkpoint(const std::string& path);

// The pattern of the temporary file AtomicFileSet::stage writes `path` to
// first, beside it (".NAME.tmp-XXXXXX", for mkstemp): what a check before a
// run must be able to create, its longer name included.
std::string temporary_pattern(const std::string& path);

// Files replaced together: each is written whole to a temporary file beside
// its target, and its writing to disk started (stage); only when all are
// written are they flushed (fsync), renamed over their targets and their
// folders flushed (commit). Flushing them together rather than one by one as
// they are staged lets the file system make them durable in one journal
// commit where it can (ext4: about 1 ms saved per file on this machine). A failed stage, or a
// set destroyed uncommitted, removes every temporary and leaves every target
// as it was. Throws std::runtime_error naming the path ("cannot write PATH:
// reason").
class AtomicFileSet {
 public:
  AtomicFileSet() = default;
  AtomicFileSet(const AtomicFileSet&) = delete;
  AtomicFileSet& operator=(const AtomicFileSet&) = delete;
  ~AtomicFileSet() { discard(); }

  void stage(const std::string& path, std::string_view content);
  void commit();

 private:
  struct Staged {
    std::string target;
    std::string temporary;
    int fd = -1;  // open from its creation until flushed
  };
  void discard() noexcept;
  [[noreturn]] void fail(const std::string& path, const std::string& why);
  std::vector<Staged> staged_;
};

// Writes `content` to `path` atomically: a set of one file.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace terrasim::sim
