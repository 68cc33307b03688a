// Engine parts that do not need a model: recorder, territory, checkpoints,
// scheduler, month labels.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "sim/checkpoint/archive.h"
#include "sim/core/scenario.h"
#include "sim/core/model.h"
#include "sim/core/scheduler.h"
#include "sim/core/simulation.h"
#include "sim/record/recorder.h"
#include "sim/territory/territory.h"
#include "sim/util/memory_limit.h"

using namespace terrasim::sim;
namespace fs = std::filesystem;

namespace {
std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void spit(const std::string& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
// The folder's entries, by name, temporaries included.
std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("terrasim-engine-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

Recorder sample_recorder() {
  Recorder r;
  const int a = r.add_series("rate", "a rate");
  const int b = r.add_series("count", "a count");
  const int z = r.add_breakdown("zones", "zone", {"A", "B"}, {{"n", "number"}});
  for (int t = 0; t < 3; ++t) {
    r.begin_row(t, month_label("2015-11", t));
    r.set(a, 0.1 * (t + 1));
    r.set(b, 1000.0 * t);
    r.set(z, 0, 0, t);
    r.set(z, 1, 0, -t);
  }
  return r;
}
}  // namespace

TEST(Recorder, CsvHasProvenanceHeaderAndShortestNumbers) {
  const Recorder r = sample_recorder();
  EXPECT_EQ(r.series_csv({{"seed", "1"}}),
            "# seed: 1\n"
            "t,month,rate,count\n"
            "0,2015-11,0.1,0\n"
            "1,2015-12,0.2,1000\n"
            "2,2016-01,0.30000000000000004,2000\n");
  EXPECT_EQ(r.breakdown_csv(r.breakdowns()[0], {}),
            "t,month,zone,n\n0,2015-11,A,0\n0,2015-11,B,0\n1,2015-12,A,1\n1,2015-12,B,-1\n2,2016-01,A,2\n2,2016-01,B,-2\n");
}

// A category named with a comma, a quote or a line break is one field
// (RFC 4180 quoting: the row shifted its columns); a provenance value with a
// line break stays one comment line (its second line was a row).
TEST(Recorder, CsvQuotesCategoriesAndKeepsProvenanceOnItsLines) {
  Recorder r;
  const int z = r.add_breakdown("zones", "zone", {"Amiens, centre", "le \"Nord\"", "two\nlines", "Sud"}, {{"n", "number"}});
  r.begin_row(0, "2015-01");
  for (std::size_t c = 0; c < 4; ++c) r.set(z, c, 0, static_cast<double>(c));
  EXPECT_EQ(r.breakdown_csv(r.breakdowns()[0], {{"scenario", "/tmp/a\nb.yaml"}, {"note", std::string("t\tc\r\x01", 6)}}),
            "# scenario: /tmp/a\\nb.yaml\n"
            "# note: t\\tc\\r\\u0001\\u0000\n"
            "t,month,zone,n\n"
            "0,2015-01,\"Amiens, centre\",0\n"
            "0,2015-01,\"le \"\"Nord\"\"\",1\n"
            "0,2015-01,\"two\nlines\",2\n"
            "0,2015-01,Sud,3\n");
  // A series named with a comma is one column of the series file too (its
  // header had one field more than its rows; a review).
  Recorder named;
  const int a = named.add_series("spending_a,b", "a series");
  named.begin_row(0, "2015-01");
  named.set(a, 1.0);
  EXPECT_EQ(named.series_csv({}), "t,month,\"spending_a,b\"\n0,2015-01,1\n");
}

// A number's text is the shortest that reads back as the same double, as
// fmt writes it at run time ("{}"), whichever way it is produced (a compiled
// format appended in place since the twenty-ninth round): over special
// values and 200,000 random bit patterns (every exponent, subnormals too).
TEST(Recorder, NumbersAreTheShortestTextThatReadsBack) {
  std::vector<double> values{1.0, -1.0, 0.1, 0.30000000000000004, 1e-7, 1e16, 1e17, 123456789012345680.0,
                             5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
                             std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                             0.125, 1e-5, 1e-4, 1e15, 9007199254740993.0, 0.07, 12.5, 100000.0};
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double v;
    std::memcpy(&v, &x, sizeof v);
    if (!std::isnan(v)) values.push_back(v);
  }
  for (const double v : values) {
    if (v == 0.0) continue;
    const std::string text = format_number(v);
    ASSERT_EQ(text, fmt::format("{}", v)) << "bits " << std::hex << std::bit_cast<std::uint64_t>(v);
    std::string appended = "a,";
    append_number(appended, v);
    ASSERT_EQ(appended, "a," + text);
    if (std::isfinite(v)) {
      ASSERT_EQ(std::bit_cast<std::uint64_t>(std::strtod(text.c_str(), nullptr)), std::bit_cast<std::uint64_t>(v)) << text;
    }
  }
  // Zero of either sign prints as 0, so that equal outputs print equally; NaN as nan.
  EXPECT_EQ(format_number(0.0), "0");
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::quiet_NaN()), "nan");
  std::string appended;
  append_number(appended, -0.0);
  append_number(appended, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(appended, "0nan");
}

TEST(Recorder, SeriesAreContiguousColumns) {
  const Recorder r = sample_recorder();
  const auto s = r.series("count");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(&s[1], &s[0] + 1);
  EXPECT_EQ(s[2], 2000.0);
  EXPECT_THROW(r.series("nope"), std::out_of_range);
}

TEST(Recorder, JsonIsParseableAndComplete) {
  const std::string j = sample_recorder().to_json({{"k", "v\"q"}});
  EXPECT_NE(j.find("\"provenance\": {\"k\": \"v\\\"q\"}"), std::string::npos);
  EXPECT_NE(j.find("\"rate\": [0.1, 0.2, 0.30000000000000004]"), std::string::npos);
  EXPECT_NE(j.find("\"n\": [[0, 0], [1, -1], [2, -2]]"), std::string::npos);
}

TEST(Recorder, DeclaringAfterTheFirstRowIsABug) {
  Recorder r = sample_recorder();
  EXPECT_THROW(r.add_series("late", ""), std::logic_error);
}

TEST(Recorder, SaveLoadRoundTrip) {
  const Recorder r = sample_recorder();
  ArchiveWriter w;
  r.save(w);
  ArchiveReader in(w.bytes(), "memory");
  Recorder back;
  back.load(in);
  EXPECT_TRUE(in.at_end());
  EXPECT_EQ(back.series_csv({}), r.series_csv({}));
  EXPECT_EQ(back.to_json({}), r.to_json({}));
}

TEST(MonthLabel, CountsAcrossYears) {
  EXPECT_EQ(month_label("2015-01", 0), "2015-01");
  EXPECT_EQ(month_label("2015-01", 11), "2015-12");
  EXPECT_EQ(month_label("2015-01", 12), "2016-01");
  EXPECT_EQ(month_label("2014-12", 61), "2020-01");
}

TEST(Territory, TravelTimesAreShortestPaths) {
  // A-B 10, B-C 10, A-C 30: A to C is quicker through B. D is cut off.
  Territory t({{"A"}, {"B"}, {"C"}, {"D"}}, {{0, 1, 10}, {1, 2, 10}, {0, 2, 30}});
  const auto& m = t.travel_minutes();
  EXPECT_EQ(m(0, 2), 20);
  EXPECT_EQ(m(2, 0), 20);
  EXPECT_EQ(m(1, 1), 0);
  EXPECT_TRUE(std::isinf(m(0, 3)));
  EXPECT_EQ(t.index_of("C"), 2u);
  EXPECT_THROW(t.index_of("Z"), std::out_of_range);
  EXPECT_THROW(Territory({{"A"}}, {{0, 1, 1}}), std::out_of_range);
  EXPECT_THROW(Territory({{"A"}, {"B"}}, {{0, 1, -1}}), std::invalid_argument);
}

TEST(Territory, StraightLineDistances) {
  Territory t({{"O", 0, 0}, {"P", 3, 4}}, {});
  const auto d = t.straight_line_km();
  EXPECT_EQ(d(0, 1), 5.0);
  EXPECT_EQ(d(1, 0), 5.0);
  EXPECT_EQ(d(0, 0), 0.0);
}

TEST(Checkpoint, RoundTripThroughAFile) {
  TempDir dir;
  ArchiveWriter w;
  w.tag("section");
  w.put<std::int32_t>(-5);
  w.put_string("hello");
  w.put_vector(std::vector<double>{1.5, 2.5});
  w.write_file(dir.file("a.ckpt"));
  auto r = ArchiveReader::from_file(dir.file("a.ckpt"));
  r.expect_tag("section");
  EXPECT_EQ(r.get<std::int32_t>(), -5);
  EXPECT_EQ(r.get_string(), "hello");
  EXPECT_EQ(r.get_vector<double>(), (std::vector<double>{1.5, 2.5}));
  EXPECT_TRUE(r.at_end());
}

namespace {
std::string checkpoint_error(const std::string& path) {
  try {
    ArchiveReader::from_file(path);
  } catch (const CheckpointError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST(Checkpoint, RefusesForeignTruncatedCorruptAndNewerFiles) {
  TempDir dir;
  ArchiveWriter w;
  w.put_string(std::string(1000, 'x'));
  w.write_file(dir.file("good.ckpt"));
  const std::string good = slurp(dir.file("good.ckpt"));

  spit(dir.file("foreign"), "model: dock\nworkers: 10\n");
  EXPECT_NE(checkpoint_error(dir.file("foreign")).find("not a terrasim checkpoint"), std::string::npos);

  spit(dir.file("truncated"), good.substr(0, good.size() - 100));
  EXPECT_NE(checkpoint_error(dir.file("truncated")).find("truncated"), std::string::npos);

  spit(dir.file("header-only"), good.substr(0, 10));
  EXPECT_NE(checkpoint_error(dir.file("header-only")).find("truncated"), std::string::npos);

  std::string corrupt = good;
  corrupt[500] ^= 1;
  spit(dir.file("corrupt"), corrupt);
  EXPECT_NE(checkpoint_error(dir.file("corrupt")).find("corrupt"), std::string::npos);

  std::string newer = good;
  newer[8] = 99;  // format version
  spit(dir.file("newer"), newer);
  EXPECT_NE(checkpoint_error(dir.file("newer")).find("format 99 is not supported"), std::string::npos);

  // A header whose size is wrong, either way; sizes near 2^64, where header,
  // size and hash added up wrap round to 0 or to the header's 20 bytes.
  std::string padded = good + "x";
  spit(dir.file("padded"), padded);
  EXPECT_NE(checkpoint_error(dir.file("padded")).find("padded checkpoint: " + std::to_string(good.size() + 1) +
                                                      " bytes, expected " + std::to_string(good.size())),
            std::string::npos);
  for (const std::uint64_t size : {~std::uint64_t{0}, ~std::uint64_t{0} - 51, ~std::uint64_t{0} - 31}) {
    std::string huge = good;
    std::memcpy(huge.data() + 12, &size, sizeof size);
    spit(dir.file("huge"), huge);
    EXPECT_NE(checkpoint_error(dir.file("huge")).find("truncated checkpoint: " + std::to_string(good.size()) +
                                                      " bytes, its header announces a payload of " +
                                                      std::to_string(size) + " bytes"),
              std::string::npos)
        << checkpoint_error(dir.file("huge"));
  }

  EXPECT_NE(checkpoint_error(dir.file("missing")).find("cannot open"), std::string::npos);
  EXPECT_NE(checkpoint_error(dir.path.string()).find("directory"), std::string::npos);
  EXPECT_NE(checkpoint_error(dir.file("foreign")).find(dir.file("foreign")), std::string::npos) << "names the file";
}

namespace {
// from_file of a pipe's path (/dev/fd/N, as the shell's <(...) gives),
// which another thread fills with `bytes` and closes: the payload's string,
// or the error.
std::string through_a_pipe(const std::string& bytes) {
  int ends[2];
  if (::pipe(ends) != 0) return std::strerror(errno);
  // A reader that stops early closes its end: the writer is told (EPIPE), not killed.
  const auto previous = std::signal(SIGPIPE, SIG_IGN);
  std::thread writer([&] {
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(ends[1], bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(ends[1]);
  });
  std::string result;
  try {
    result = ArchiveReader::from_file("/dev/fd/" + std::to_string(ends[0])).get_string();
  } catch (const CheckpointError& e) {
    result = e.what();
  }
  ::close(ends[0]);
  writer.join();
  std::signal(SIGPIPE, previous);
  return result;
}
}  // namespace

TEST(Checkpoint, IsReadFromAPipeAsAStream) {
  // `terrasim resume <(zstd -dc x.ckpt.zst)` and `cat x.ckpt | terrasim
  // resume /dev/stdin` worked, then every pipe was refused (a FIFO's open
  // had hung). A pipe is read as a stream again: header, payload, hash, and
  // nothing after it; a payload larger than a pipe's buffer too.
  TempDir dir;
  ArchiveWriter w;
  const std::string text(300000, 'x');
  w.put_string(text);
  w.write_file(dir.file("good.ckpt"));
  const std::string good = slurp(dir.file("good.ckpt"));
  const auto error = [](std::string got) {  // the error without its path, which names a descriptor
    return got.substr(got.find(": ") + 2);
  };
  EXPECT_TRUE(through_a_pipe(good) == text);
  // The payload is read in chunks of 1 MiB: payloads just under, at and over
  // one chunk's end, and of several chunks, read whole.
  for (const std::size_t n : {(std::size_t{1} << 20) - 9, (std::size_t{1} << 20) - 8, (std::size_t{1} << 20) - 7,
                              (std::size_t{3} << 20) + 5}) {
    SCOPED_TRACE(n);
    ArchiveWriter big;
    const std::string payload(n, 'y');
    big.put_string(payload);
    big.write_file(dir.file("big.ckpt"));
    EXPECT_TRUE(through_a_pipe(slurp(dir.file("big.ckpt"))) == payload);
  }
  EXPECT_EQ(error(through_a_pipe(good.substr(0, good.size() - 100))),
            fmt::format("truncated checkpoint: {} bytes, its header announces a payload of {} bytes (and 52 of header "
                        "and hash)",
                        good.size() - 100, good.size() - 52));
  EXPECT_EQ(error(through_a_pipe(good.substr(0, 10))), "truncated checkpoint: 10 bytes, the header alone is 20");
  EXPECT_EQ(error(through_a_pipe(good + "x")),
            fmt::format("padded checkpoint: more than {0} bytes, expected {0} ({1} of payload and 52 of header and hash)",
                        good.size(), good.size() - 52));
  std::string corrupt = good;
  corrupt[500] ^= 1;
  EXPECT_EQ(error(through_a_pipe(corrupt)), "corrupt checkpoint: its SHA-256 does not match its content");
  EXPECT_EQ(error(through_a_pipe("model: dock\n")), "not a terrasim checkpoint (it does not start with \"TSIMCKPT\")");
  EXPECT_EQ(error(through_a_pipe("")), "truncated checkpoint: the pipe gave no byte (nothing wrote to it)");
  // A header that announces more than will come allocates no more than what came (std::string's resize to
  // 2^63 would throw length_error, 2^40 bad_alloc).
  for (const std::uint64_t size : {std::uint64_t{1} << 40, std::uint64_t{1} << 63, ~std::uint64_t{0}}) {
    std::string huge = good.substr(0, 120);
    std::memcpy(huge.data() + 12, &size, sizeof size);
    EXPECT_EQ(error(through_a_pipe(huge)),
              fmt::format("truncated checkpoint: 120 bytes, its header announces a payload of {} bytes (and 52 of "
                          "header and hash)",
                          size));
  }
}

TEST(Checkpoint, AFifoIsReadWithoutWaitingForAWriterAndADeviceIsRefused) {
  // A FIFO was opened to be read, which waits for a writer: `terrasim
  // resume PIPE` hung. It is opened without waiting: with a writer it is
  // read; with none, it reads as empty. (A device such as /dev/zero was read
  // without end.)
  TempDir dir;
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  auto refused = std::async(std::launch::async, [&] { return checkpoint_error(fifo); });
  if (refused.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    // Opened for writing and closed: the reader sees the end and returns.
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
    ADD_FAILURE() << "reading a FIFO as a checkpoint blocked";
  }
  EXPECT_EQ(refused.get(), fifo + ": truncated checkpoint: the pipe gave no byte (nothing wrote to it)");

  ArchiveWriter w;
  w.put_string("through a FIFO");
  w.write_file(dir.file("good.ckpt"));
  const std::string good = slurp(dir.file("good.ckpt"));
  // A writer there before the reader, as `cat x.ckpt > FIFO &`, whose bytes wait in the FIFO; it lets go
  // once the reader has taken them (closed before the reader opens the FIFO, they would be lost with it).
  const int held = ::open(fifo.c_str(), O_RDWR);
  ASSERT_GE(held, 0) << std::strerror(errno);
  ASSERT_EQ(::write(held, good.data(), good.size()), static_cast<ssize_t>(good.size()));
  auto read = std::async(std::launch::async, [&] {
    try {
      return ArchiveReader::from_file(fifo).get_string();
    } catch (const CheckpointError& e) {
      return std::string(e.what());
    }
  });
  int waiting = 1;
  for (int i = 0; i < 10000 && waiting > 0 && ::ioctl(held, FIONREAD, &waiting) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::close(held);
  EXPECT_EQ(waiting, 0) << "the reader did not take the FIFO's bytes";
  EXPECT_EQ(read.get(), "through a FIFO");

  EXPECT_EQ(checkpoint_error("/dev/null"), "/dev/null: not a file or a pipe (a device, a socket), not a checkpoint");
  EXPECT_EQ(checkpoint_error("/dev/zero"), "/dev/zero: not a file or a pipe (a device, a socket), not a checkpoint");
}

TEST(Checkpoint, AFileLeasedByAnotherProcessIsOpenedOnceTheLeaseIsLetGo) {
  // Opened with O_NONBLOCK, a file on which another process held a write
  // lease (Samba's oplocks, nfsd's delegations) could not be opened
  // ("Resource temporarily unavailable"), where other programs wait for the
  // holder to let it go. Here a child process takes the lease; the reader's
  // open breaks it, and the child is sent SIGIO, which ends it, its lease
  // with it (else the system breaks the lease after lease-break-time).
  TempDir dir;
  const std::string file = dir.file("leased.ckpt");
  ArchiveWriter w;
  w.put_string("leased");
  w.write_file(file);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) {  // async-signal-safe calls only: the parent may have threads
    ::close(ready[0]);
    const int fd = ::open(file.c_str(), O_RDONLY);
    const char taken = fd >= 0 && ::fcntl(fd, F_SETLEASE, F_WRLCK) == 0 ? 'y' : 'n';
    if (::write(ready[1], &taken, 1) == 1 && taken == 'y') ::sleep(60);
    ::_exit(0);
  }
  ::close(ready[1]);
  char taken = 'n';
  const bool told = ::read(ready[0], &taken, 1) == 1;
  ::close(ready[0]);
  if (!told || taken != 'y') {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    GTEST_SKIP() << "cannot take a lease here (it needs the file's owner or CAP_LEASE, and fs.leases-enable)";
  }
  std::string error;
  try {
    EXPECT_EQ(ArchiveReader::from_file(file).get_string(), "leased");
  } catch (const CheckpointError& e) {
    error = e.what();
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(error, "");
}

TEST(Checkpoint, AFileLargerThanTheMemoryIsRefusedNamingIt) {
  // A sparse file with a valid header announcing its size (truncate -s
  // 100G) ended in std::bad_alloc: the program aborted (exit 134), Python
  // had a MemoryError without the path. (When the allocation itself fails:
  // test_a_checkpoint_too_large_for_the_memory_is_refused_naming_it.)
  TempDir dir;
  const std::string file = dir.file("huge.ckpt");
  const std::uint64_t bytes = std::uint64_t{1} << 43;  // 8 TiB, sparse
  std::string header = "TSIMCKPT";
  const std::uint32_t version = kCheckpointFormat;
  const std::uint64_t size = bytes - 52;
  header.append(reinterpret_cast<const char*>(&version), sizeof version);
  header.append(reinterpret_cast<const char*>(&size), sizeof size);
  spit(file, header);
  if (::truncate(file.c_str(), static_cast<off_t>(bytes)) != 0)
    GTEST_SKIP() << "cannot make a sparse file of 8 TiB here: " << std::strerror(errno);
  const std::string error = checkpoint_error(file);
  // The machine's memory, or a control group's limit where it is less.
  const auto memory = usable_memory();
  ASSERT_TRUE(memory);
  EXPECT_EQ(error, fmt::format("{}: too large to read: 8796093022208 bytes (more than {}, {} bytes)", file,
                               memory->source, memory->bytes));
}

TEST(Checkpoint, EmptyColumnsRoundTrip) {
  // An empty vector's data() is null: copying zero bytes from or to it must
  // not reach memcpy (undefined behaviour; UBSan in the debug preset).
  ArchiveWriter w;
  w.put_vector(std::vector<std::uint32_t>{});
  w.put_string("");
  ArchiveReader r(w.bytes(), "memory");
  EXPECT_TRUE(r.get_vector<std::uint32_t>().empty());
  EXPECT_EQ(r.get_string(), "");
  EXPECT_TRUE(r.at_end());
}

TEST(Checkpoint, ReaderRefusesToReadPastTheEnd) {
  ArchiveWriter w;
  w.put<std::uint64_t>(1u << 30);  // a vector length with no data behind it
  ArchiveReader r(w.bytes(), "memory");
  EXPECT_THROW(r.get_vector<double>(), CheckpointError);
  ArchiveReader r2(std::string("ab"), "memory");
  EXPECT_THROW(r2.get<std::uint64_t>(), CheckpointError);
  ArchiveWriter t;
  t.tag("one");
  ArchiveReader r3(t.bytes(), "memory");
  EXPECT_THROW(r3.expect_tag("two"), CheckpointError);
}

TEST(AtomicWrite, ReplacesWholeAndLeavesNoTemporary) {
  TempDir dir;
  write_file_atomically(dir.file("out.csv"), "first");
  write_file_atomically(dir.file("out.csv"), "second");
  EXPECT_EQ(slurp(dir.file("out.csv")), "second");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  EXPECT_THROW(write_file_atomically(dir.file("no/such/folder/x"), "x"), std::runtime_error);
}

namespace {
// A folder holding the files a and b, and a set written over them: "new a",
// "new b", and "new c" under the name `third`.
struct TwoOldFiles {
  TempDir dir;
  TwoOldFiles() {
    spit(dir.file("a"), "old a");
    spit(dir.file("b"), "old b");
  }
  void stage_three(AtomicFileSet& files, const std::string& third = "c") const {
    files.stage(dir.file("a"), "new a");
    files.stage(dir.file("b"), "new b");
    files.stage(dir.file(third), "new c");
  }
};
}  // namespace

TEST(AtomicFileSet, AFileThatCannotBeWrittenLeavesTheOthersAsTheyWere) {
  TwoOldFiles f;
  {
    AtomicFileSet files;
    EXPECT_THROW(f.stage_three(files, "no/such/folder/c"), std::runtime_error);
    EXPECT_EQ(entries(f.dir.path), (std::vector<std::string>{"a", "b"}));  // no temporaries
  }
  EXPECT_EQ(slurp(f.dir.file("a")), "old a");
  EXPECT_EQ(slurp(f.dir.file("b")), "old b");
  // The third file's target a folder: refused before any file is replaced.
  fs::create_directories(f.dir.path / "c" / "inside");
  AtomicFileSet files;
  f.stage_three(files);
  try {
    files.commit();
    ADD_FAILURE() << "a folder in the way was not refused";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write " + f.dir.file("c") + ": Is a directory");
  }
  EXPECT_EQ(slurp(f.dir.file("a")), "old a");
  EXPECT_EQ(slurp(f.dir.file("b")), "old b");
  EXPECT_EQ(entries(f.dir.path), (std::vector<std::string>{"a", "b", "c"}));  // no temporaries
}

TEST(AtomicFileSet, CommitReplacesEveryFile) {
  TwoOldFiles f;
  AtomicFileSet files;
  f.stage_three(files);
  EXPECT_EQ(slurp(f.dir.file("a")), "old a");  // nothing replaced before the commit
  files.commit();
  EXPECT_EQ(slurp(f.dir.file("a")), "new a");
  EXPECT_EQ(slurp(f.dir.file("b")), "new b");
  EXPECT_EQ(slurp(f.dir.file("c")), "new c");
  EXPECT_EQ(entries(f.dir.path), (std::vector<std::string>{"a", "b", "c"}));
}

namespace {
// The files this process holds open.
std::size_t open_files() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}
}  // namespace

// A staged file stays open until the commit flushes it: whatever becomes of
// the set, none is left open (a run writes several sets: a checkpoint, then
// its outputs; a Python session thousands).
TEST(AtomicFileSet, LeavesNoFileOpen) {
  const std::size_t before = open_files();
  {
    TwoOldFiles f;
    AtomicFileSet files;
    f.stage_three(files);
    EXPECT_EQ(open_files(), before + 3);  // held for the flush at the commit
    files.commit();
    EXPECT_EQ(open_files(), before);
  }
  {
    TwoOldFiles f;
    AtomicFileSet files;
    f.stage_three(files);
  }  // destroyed uncommitted
  EXPECT_EQ(open_files(), before);
  {
    TwoOldFiles f;
    AtomicFileSet files;
    EXPECT_THROW(f.stage_three(files, "no/such/folder/c"), std::runtime_error);
    EXPECT_EQ(open_files(), before);  // a failed stage discards the set
  }
  {
    TwoOldFiles f;
    fs::create_directories(f.dir.path / "c");
    AtomicFileSet files;
    f.stage_three(files);
    EXPECT_THROW(files.commit(), std::runtime_error);  // refused before the flush
    EXPECT_EQ(open_files(), before);
  }
}

TEST(Scheduler, RunsPhasesInOrderAndTimesThem) {
  Scheduler s;
  std::vector<std::string> order;
  s.set_phases({{"a", [&](const MonthContext&) { order.push_back("a"); }},
                {"b", [&](const MonthContext& c) { order.push_back("b" + std::to_string(c.month)); }}});
  s.run_month({0, 1});
  s.run_month({1, 1});
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b0", "a", "b1"}));
  ASSERT_EQ(s.profile().size(), 2u);
  EXPECT_EQ(s.profile()[0].calls, 2u);
  const std::string table = s.profile_table();
  EXPECT_NE(table.find("phase"), std::string::npos);
  EXPECT_NE(table.find("total"), std::string::npos);
}

// A model of one count and its breakdown by two halves, which fails to
// record the month its `fail_in` names (an allocation failing, a model's
// own check), after its first values are set.
class FailsToRecord final : public Model {
 public:
  explicit FailsToRecord(int fail_in) : fail_in_(fail_in) {}
  void declare(Recorder& rec) override {
    count_series_ = rec.add_series("count", "months simulated");
    halves_ = rec.add_breakdown("halves", "half", {"first", "second"}, {{"count", "months simulated"}});
  }
  void initialize(std::uint64_t) override {}
  std::vector<Phase> phases() override {
    return {{"count", [this](const MonthContext&) { ++count_; }}};
  }
  void record(Recorder& rec, const MonthContext& ctx) override {
    rec.set(count_series_, count_);
    rec.set(halves_, 0, 0, count_);
    if (ctx.month == fail_in_) throw std::runtime_error("the count cannot be recorded");
    rec.set(halves_, 1, 0, count_);
  }
  void save(ArchiveWriter&) const override {}
  void load(ArchiveReader&) override {}
  std::vector<std::string> check_invariants(const Recorder&) const override { return {}; }

 private:
  int fail_in_;
  double count_ = 0;
  int count_series_ = -1;
  int halves_ = -1;
};

// FailsToRecord as a model of its own registry, its info listing
// `breakdowns`; and the scenario of one that fails in month 2.
ModelRegistry fails_to_record_registry(std::vector<std::string> breakdowns) {
  ModelRegistry registry;
  registry.add({.name = "fails_to_record",
                .summary = "a count that cannot be recorded in month fail_in",
                .default_months = 6,
                .declare_parameters = [](Record& r) { r.integer("fail_in").range(0, 100); },
                .create = [](const Value& config) {
                  return std::make_unique<FailsToRecord>(static_cast<int>(config["fail_in"].as_int()));
                },
                .breakdowns = std::move(breakdowns)});
  return registry;
}

TEST(Simulation, RefusesAModelThatDeclaresABreakdownItsInfoDoesNotList) {
  // The list is what a run removes of an earlier run's files in its output
  // folder: a breakdown not in it would stay there, beside the new run's.
  const ModelRegistry registry = fails_to_record_registry({"zones"});
  TempDir dir;
  spit((dir.path / "s.yaml").string(), "model: fails_to_record\nfail_in: 2\n");
  try {
    Simulation sim(load_scenario((dir.path / "s.yaml").string(), {}, registry), 1);
    FAIL() << "a breakdown not listed was taken";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "model fails_to_record declares the breakdown 'halves', which its ModelInfo::breakdowns "
                           "does not list (zones)");
  }
}

TEST(Simulation, AMonthThatFailsWhileItIsRecordedLeavesNoRowOfIt) {
  // Its row stayed, with the values set before the failure and NaN for the
  // rest: Python's series() showed a month the run never finished.
  const ModelRegistry registry = fails_to_record_registry({"halves"});
  TempDir dir;
  spit((dir.path / "s.yaml").string(), "model: fails_to_record\nfail_in: 2\n");
  Simulation sim(load_scenario((dir.path / "s.yaml").string(), {}, registry), 1);
  sim.step();
  sim.step();
  EXPECT_THROW(sim.step(), std::runtime_error);
  EXPECT_NE(sim.failed().find("the count cannot be recorded"), std::string::npos) << sim.failed();
  const Recorder& rec = sim.recorder();
  EXPECT_EQ(sim.month(), 2);
  EXPECT_EQ(rec.rows(), 2u);
  EXPECT_EQ(rec.months(), (std::vector<int>{0, 1}));
  EXPECT_EQ(rec.labels().size(), 2u);
  EXPECT_EQ(std::vector<double>(rec.series(0).begin(), rec.series(0).end()), (std::vector<double>{1, 2}));
  EXPECT_EQ(rec.breakdowns()[0].values, (std::vector<double>{1, 1, 2, 2}));
}
