#!/usr/bin/env node
import { main } from './cli.js';
import { processIo } from './io.js';

// The `nimbus` executable. The exit code is set rather than forced with process.exit, so output written to a
// pipe is flushed before the process ends.
process.exitCode = await main(process.argv.slice(2), processIo());
