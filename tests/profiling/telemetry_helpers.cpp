// The telemetry suite's helpers, compiled into this suite as well: the CSV
// reader and trace-event checker (export_parsing), and the forked-child
// runner with its mounts (child_process).
#include "../telemetry/child_process.cpp"
#include "../telemetry/export_parsing.cpp"
