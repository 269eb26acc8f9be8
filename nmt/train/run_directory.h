// The --model-dir of one training run: one run at a time, and no leftovers of killed writes.
//
//   RunDirectoryLock  an exclusive lock (flock) on DIR/.lock, held for the whole run and released
//                     by the system on any exit (even kill -9); a second nmt-train on the same
//                     folder is refused with a message naming the holder's process id.
//   remove_stale_temporary_files  the ".NAME.tmp-XXXXXX" files that an atomic write leaves when
//                     the process is killed mid-write (model_file.h): removed at start and resume,
//                     under the lock, so that no other run's write is in progress.
//   truncate_log      --resume: the log.jsonl records of updates after the checkpoint's (a killed
//                     run's, which the resumed run trains again) are removed, so that each update
//                     appears once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace nmt::train {

class RunDirectoryLock {
 public:
  // Throws std::runtime_error when another process holds the lock, or the file cannot be made.
  explicit RunDirectoryLock(const std::filesystem::path& dir);
  ~RunDirectoryLock();
  RunDirectoryLock(const RunDirectoryLock&) = delete;
  RunDirectoryLock& operator=(const RunDirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

// Returns how many files it removed.
int remove_stale_temporary_files(const std::filesystem::path& dir);

// Keeps the records (lines) of `log` whose "update" is at most `update`, and those without one;
// a torn last line (no newline: a kill mid-write) goes too. Rewrites the file atomically when
// anything goes, and returns how many lines went; a missing file is left missing (0).
std::size_t truncate_log(const std::filesystem::path& log, int64_t update);

}  // namespace nmt::train
