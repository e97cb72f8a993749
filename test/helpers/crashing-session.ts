// A stand-in for session-process.ts that dies the way a native crash does, for the load probe's tests.
// NOTE: onnxruntime 1.30 survived every malformed model tried (it checks integer division, protobuf depth,
// external data paths), so a real crash can't be produced on demand; the parent's handling is what is tested.
process.on('message', () => process.kill(process.pid, 'SIGSEGV'));
