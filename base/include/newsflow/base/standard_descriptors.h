// standard_descriptors.h — stdin, stdout and stderr held open.
//
// A process started with one of them closed (`newsflow run ... >&-`, a
// supervisor that closes stdin) hands that number to the next file it
// opens: the run's source, a RocksDB table, and then the summary printed
// to "stdout" is written into that file. ReserveStandardDescriptors, first
// thing in main, puts /dev/null, read-only, at each closed one (a write
// there still fails, as on the closed descriptor) and remembers which were
// closed, so that a command told to write to its stdout
// (`--alerts file:/dev/stdout`) refuses at once.
//
// Ownership: the /dev/null descriptors stay open for the process's life.
// Threads: call ReserveStandardDescriptors before any thread starts; the
// query is then safe from any thread. Errors: none (a /dev/null that
// cannot be opened leaves the number closed, as it was).
#pragma once

namespace newsflow {

void ReserveStandardDescriptors();

// Whether descriptor 0, 1 or 2 was closed when the process started (false
// for any other, and before ReserveStandardDescriptors).
bool StandardDescriptorWasClosed(int fd);

}  // namespace newsflow
